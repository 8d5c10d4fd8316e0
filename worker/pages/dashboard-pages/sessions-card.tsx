import { CsrfField } from "./admin-layout";

/** "Sign out everywhere": for a browser left signed in, without rotating ADMIN_TOKEN (which the CLI uses too). */
export function SessionsCard(props: { csrfToken: string }) {
  return (
    <section class="card" aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions</h2>
      <p class="muted">
        Signed in on a browser you no longer trust? Every browser signed in to the dashboard, this one included, goes
        back to sign-in. ADMIN_TOKEN, and so the admin CLI, keeps working.
      </p>
      <form method="post" action="/admin/sign-out-everywhere">
        <CsrfField token={props.csrfToken} />
        <button type="submit" class="secondary">
          Sign out everywhere
        </button>
      </form>
    </section>
  );
}
