import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { findSeries } from "../content/catalog";
import { AppError } from "../errors";
import { limitBody } from "../middleware/read-body";
import { sameOrigin } from "../middleware/same-origin";
import { KeptPage, StillReadingPage } from "../pages/still-reading-page";
import { keepPath } from "../reengage/check-email";
import { checkState, findReadingCheck, keepReading } from "../reengage/keep-reading";
import { verifyReadingCheckToken } from "../tokens";

export const stillReadingRoutes = new Hono<AppEnv>();

const BAD_LINK = "This link does not work. Please copy the whole link from the email.";
const GONE = "We could not find this subscription.";

/** The check a keep link names: its signature is checked before anything reads D1. */
function checkIdOf(c: Context<AppEnv>): number {
  const checkId = verifyReadingCheckToken(c.var.deps.config.keyring, c.req.param("token") ?? "");
  if (checkId === null) throw new AppError("INVALID_TOKEN", BAD_LINK);
  return checkId;
}

const titleOf = (slug: string) => findSeries(slug)?.title ?? "this newsletter";

stillReadingRoutes.get("/still-reading/:token", async (c) => {
  const check = await findReadingCheck(c.var.deps, checkIdOf(c));
  if (!check) throw new AppError("NOT_FOUND", GONE);
  c.header("cache-control", "private, no-store");
  const action = keepPath(c.req.param("token"));
  const paused = check.status === "paused" && check.subscriptionStatus === "paused";
  return c.html(
    <StillReadingPage action={action} seriesTitle={titleOf(check.series)} state={checkState(check)} paused={paused} />,
  );
});

// A form of our own pages: the origin check refuses another site's post; the signed token names the check.
stillReadingRoutes.post("/still-reading/:token", limitBody(4 * 1024), sameOrigin, async (c) => {
  const checkId = checkIdOf(c);
  const result = await keepReading(c.var.deps, checkId);
  if (result.kind === "not_found") throw new AppError("NOT_FOUND", GONE);
  c.header("cache-control", "private, no-store");
  return c.html(<KeptPage seriesTitle={titleOf(result.series)} result={result.kind} />);
});
