import { AdminLayout, type DashboardSection } from "./admin-layout";

/** An error inside the dashboard: what happened, in the dashboard's own frame, with the way back. */
export function DashboardErrorPage(props: {
  title: string;
  message: string;
  csrfToken: string | null;
  showOutbox?: boolean;
  section?: DashboardSection;
}) {
  return (
    <AdminLayout title={props.title} csrfToken={props.csrfToken} showOutbox={props.showOutbox} section={props.section}>
      <h1>{props.title}</h1>
      <p class="error" role="alert">
        {props.message}
      </p>
      <p>{props.csrfToken ? <a href="/admin">Back to the overview</a> : <a href="/admin/sign-in">Sign in</a>}</p>
    </AdminLayout>
  );
}
