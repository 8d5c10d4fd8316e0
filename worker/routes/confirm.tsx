import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import type { CompiledSeries } from "../content/types";
import { AppError } from "../errors";
import { limitBody } from "../middleware/read-body";
import { sameOrigin } from "../middleware/same-origin";
import { ConfirmPage, SubscribedPage } from "../pages/confirm-page";
import { confirmConsent, consentState, type ConfirmResult, type ConsentState } from "../subscribers/confirm";
import { signPreferencesToken, verifyConfirmToken } from "../tokens";

/** The link of the double opt-in email: GET shows the button, its POST confirms. */
export const confirmRoutes = new Hono<AppEnv>();

/** The consent a confirm link names; a bad or expired link is a clear 400 page. */
async function consentOf(c: Context<AppEnv>): Promise<number> {
  const check = await verifyConfirmToken(c.var.deps.config.keyring, c.req.param("token") ?? "");
  if (!check.ok) {
    throw new AppError(
      "INVALID_TOKEN",
      check.reason === "invalid"
        ? "This confirmation link is not valid. Please copy the whole link from the email, or sign up again."
        : "This confirmation link has expired. Please sign up again to get a new one.",
    );
  }
  return check.consentId;
}

function notWaiting(state: ConsentState | ConfirmResult): never {
  if (state.kind === "not_found")
    throw new AppError("NOT_FOUND", "We could not find this subscription. Please sign up again.");
  throw new AppError(
    "INVALID_TOKEN",
    "This confirmation link was already used or replaced by a newer one. Use the newest email we sent, or the signup form.",
  );
}

/** The thanks page, with the reader's preference page signed for this subscription (there is no delivery yet). */
async function subscribedPage(
  c: Context<AppEnv>,
  state: { series: CompiledSeries; firstPartAt: number | null; subscriptionId: number },
  fresh: boolean,
) {
  const token = signPreferencesToken(c.var.deps.config.keyring, state.subscriptionId);
  return c.html(
    <SubscribedPage
      series={state.series}
      firstPartAt={state.firstPartAt}
      fresh={fresh}
      preferencesUrl={`/prefs/${token}`}
    />,
  );
}

/** Mail scanners follow links: GET (and HEAD) only show the button; the POST it sends confirms. */
confirmRoutes.get("/confirm/:token", async (c) => {
  const state = await consentState(c.var.deps, await consentOf(c));
  if (state.kind === "confirmed") return subscribedPage(c, state, false);
  if (state.kind !== "waiting") notWaiting(state);
  return c.html(<ConfirmPage token={c.req.param("token")} series={state.series} email={state.email} />);
});

confirmRoutes.post("/confirm/:token", limitBody(4 * 1024), sameOrigin, async (c) => {
  const result = await confirmConsent(c.var.deps, await consentOf(c));
  if (result.kind === "confirmed_now" || result.kind === "confirmed") {
    return subscribedPage(c, result, result.kind === "confirmed_now");
  }
  notWaiting(result);
});
