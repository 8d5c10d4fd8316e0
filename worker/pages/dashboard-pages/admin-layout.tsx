import type { Child } from "hono/jsx";
import { dashboardStyles } from "./styles";

/** The dashboard's sections (a reader's own page belongs to "readers", an import's job page to "import"). */
export type DashboardSection = "overview" | "readers" | "preview" | "import" | "outbox";

export interface AdminLayoutProps {
  title: string;
  children: Child;
  /** Null on the sign-in page: no navigation, no sign-out form. */
  csrfToken: string | null;
  section?: DashboardSection;
  showOutbox?: boolean;
  /** Reload every this many seconds (a job still running): no JavaScript needed, and the CSP allows it. */
  refreshSeconds?: number;
}

/** The hidden field every dashboard form carries (double submit, checked against the session). */
export const CsrfField = ({ token }: { token: string }) => <input type="hidden" name="csrf" value={token} />;

export function AdminLayout(props: AdminLayoutProps) {
  const link = (section: DashboardSection, href: string, label: string) => (
    <a href={href} aria-current={props.section === section ? "page" : undefined}>
      {label}
    </a>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {props.refreshSeconds ? <meta http-equiv="refresh" content={String(props.refreshSeconds)} /> : null}
        <title>{`${props.title} · nextpart admin`}</title>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own stylesheet, a constant (text children would be escaped) */}
        <style dangerouslySetInnerHTML={{ __html: dashboardStyles }} />
      </head>
      <body>
        <a class="skip" href="#content">
          Skip to content
        </a>
        <header class="bar">
          <div class="in">
            <a class="brand" href="/admin">
              nextpart admin
            </a>
            {props.csrfToken ? (
              <>
                <nav aria-label="Dashboard">
                  {link("overview", "/admin", "Overview")}
                  {link("readers", "/admin/readers", "Readers")}
                  {link("preview", "/admin/preview", "Preview")}
                  {link("import", "/admin/import", "Import")}
                  {props.showOutbox ? link("outbox", "/admin/outbox", "Outbox") : null}
                </nav>
                <form method="post" action="/admin/sign-out">
                  <CsrfField token={props.csrfToken} />
                  <button type="submit">Sign out</button>
                </form>
              </>
            ) : null}
          </div>
        </header>
        <main id="content">{props.children}</main>
      </body>
    </html>
  );
}

/** What a signed-in page passes on to the layout (routes build it with pageProps). */
export type SignedInLayoutProps = Omit<AdminLayoutProps, "title" | "children" | "csrfToken"> & { csrfToken: string };
