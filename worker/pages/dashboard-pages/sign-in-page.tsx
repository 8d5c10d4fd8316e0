import { AdminLayout } from "./admin-layout";

/** One field: the ADMIN_TOKEN. The browser's password manager may keep it (autocomplete=current-password). */
export function SignInPage(props: { next: string; error?: string; notice?: string }) {
  return (
    <AdminLayout title="Sign in" csrfToken={null}>
      <div class="signin">
        <h1>Sign in</h1>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        {props.error ? (
          <p class="error" role="alert" id="sign-in-error">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/admin/sign-in">
          <input type="hidden" name="next" value={props.next} />
          <input type="text" name="username" value="admin" autocomplete="username" hidden tabindex={-1} />
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            required
            maxlength={1000}
            aria-describedby={props.error ? "sign-in-error" : undefined}
          />
          <p class="hint">The ADMIN_TOKEN secret of this Worker. You stay signed in for 12 hours on this browser.</p>
          <button type="submit">Sign in</button>
        </form>
      </div>
    </AdminLayout>
  );
}
