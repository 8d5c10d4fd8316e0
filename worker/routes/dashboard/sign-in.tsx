import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { z } from "zod";
import { safeNext } from "../../sessions/admin-session";
import { bumpSessionEpoch } from "../../sessions/session-epoch";
import { AppError } from "../../errors";
import { limitBody, readBody } from "../../middleware/read-body";
import { SignInPage } from "../../pages/dashboard-pages/sign-in-page";
import { checkAdminToken } from "../../middleware/admin-auth";
import type { DashboardEnv } from "./dashboard-env";
import {
  currentCsrfToken,
  endSession,
  requireCsrfToken,
  requireSession,
  startSession,
} from "../../middleware/dashboard-session";

const signInSchema = z.object({ token: z.string().max(1000).default(""), next: z.string().max(500).optional() });

export const signInRoutes = new Hono<DashboardEnv>();

/** The one notice the sign-in page shows, by a fixed flag (never text from the query). */
const SIGNED_OUT_EVERYWHERE = "Every browser signed in to the dashboard, this one included, is signed out.";

signInRoutes.get("/sign-in", async (c) => {
  const next = safeNext(c.req.query("next"));
  if (await currentCsrfToken(c)) return c.redirect(next, 303);
  const notice = c.req.query("signed-out") === "everywhere" ? SIGNED_OUT_EVERYWHERE : undefined;
  return c.html(<SignInPage next={next} notice={notice} />);
});

signInRoutes.post("/sign-in", limitBody(4 * 1024), csrf(), async (c) => {
  const parsed = signInSchema.safeParse(await readBody(c, ["form"]));
  const next = safeNext(parsed.success ? parsed.data.next : undefined);
  if (!c.var.deps.config.adminToken) {
    return c.html(
      <SignInPage next={next} error="ADMIN_TOKEN is not set for this Worker: set it as a secret first." />,
      503,
    );
  }
  const given = parsed.success ? parsed.data.token : "";
  let ok: boolean;
  try {
    ok = given !== "" && (await checkAdminToken(c.var.deps, { given, clientIp: c.req.header("cf-connecting-ip") }));
  } catch (error) {
    if (error instanceof AppError && error.code === "RATE_LIMITED")
      return c.html(<SignInPage next={next} error={error.message} />, 429);
    throw error;
  }
  if (!ok) return c.html(<SignInPage next={next} error="That is not the admin token." />, 401);
  await startSession(c, c.var.deps.config.adminToken!);
  return c.redirect(next, 303);
});

signInRoutes.post("/sign-out", limitBody(4 * 1024), csrf(), requireSession, requireCsrfToken, (c) => {
  endSession(c);
  return c.redirect("/admin/sign-in", 303);
});

/** Every session issued so far, in every browser, is refused at its next request; ADMIN_TOKEN (the CLI) is untouched. */
signInRoutes.post("/sign-out-everywhere", limitBody(4 * 1024), csrf(), requireSession, requireCsrfToken, async (c) => {
  await bumpSessionEpoch(c.var.deps);
  endSession(c);
  return c.redirect("/admin/sign-in?signed-out=everywhere", 303);
});
