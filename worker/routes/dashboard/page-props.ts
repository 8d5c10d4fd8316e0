import type { Context } from "hono";
import { sendsToOutbox } from "../../mail/create-mailer";
import type { DashboardSection } from "../../pages/dashboard-pages/admin-layout";
import type { DashboardEnv } from "./dashboard-env";

/** What every signed-in page's layout needs: the session's form token and which sections to show. */
export function pageProps(c: Context<DashboardEnv>, section?: DashboardSection) {
  return { csrfToken: c.get("csrfToken"), section, showOutbox: sendsToOutbox(c.var.deps.config) };
}
