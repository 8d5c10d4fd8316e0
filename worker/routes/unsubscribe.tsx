import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { findSeries } from "../content/catalog";
import { AppError } from "../errors";
import { sameOrigin } from "../middleware/same-origin";
import { limitBody, readBody } from "../middleware/read-body";
import { MessagePage } from "../pages/message-page";
import { UnsubscribePage, UnsubscribedPage } from "../pages/unsubscribe-page";
import { subscribe } from "../subscribers/subscribe";
import { unsubscribe } from "../subscribers/unsubscribe";
import { findSubscriber } from "../subscribers/find-subscriber";
import { readUnsubscribeLink, type UnsubscribeClaims } from "../subscribers/unsubscribe-link";

export const unsubscribeRoutes = new Hono<AppEnv>();

const INVALID = "This unsubscribe link is not valid. Please copy the whole link from the email.";

async function claimsFrom(c: Context<AppEnv>): Promise<UnsubscribeClaims> {
  const claims = await readUnsubscribeLink(c.var.deps, c.req.param("token") ?? "");
  if (!claims) throw new AppError("INVALID_TOKEN", INVALID);
  return claims;
}

/** Where this page's own form posts: the link it was reached by. */
const selfPath = (c: Context<AppEnv>) => `/u/${c.req.param("token")}`;

const seriesTitle = (slug: string) => findSeries(slug)?.title ?? "this newsletter";

async function showUnsubscribe(c: Context<AppEnv>) {
  const claims = await claimsFrom(c);
  const reader = await findSubscriber(c.var.deps, claims.subscriberId);
  if (!reader) throw new AppError("NOT_FOUND", "We could not find this subscription.");
  const token = c.req.param("token") ?? "";
  if (reader.status === "unsubscribed")
    return c.html(<UnsubscribedPage token={token} seriesTitle={seriesTitle(claims.series)} />);
  return c.html(<UnsubscribePage action={selfPath(c)} seriesTitle={seriesTitle(claims.series)} email={reader.email} />);
}

async function doUnsubscribe(c: Context<AppEnv>) {
  const claims = await claimsFrom(c);
  // Only a form can carry the one-click field; any other body is ignored (the page's button flow).
  const body = /form/i.test(c.req.header("content-type") ?? "") ? ((await readBody(c)) as Record<string, string>) : {};
  const oneClick = body["List-Unsubscribe"] === "One-Click";
  const result = await unsubscribe(c.var.deps, {
    subscriberId: claims.subscriberId,
    source: oneClick ? "one-click" : "link",
  });
  if (result === "not_found") throw new AppError("NOT_FOUND", "We could not find this subscription.");
  if (oneClick) return c.text("Unsubscribed", 200);
  // Post/redirect/get: a reload shows the page again instead of asking to resend the form.
  return c.redirect(selfPath(c), 303);
}

unsubscribeRoutes.get("/u/:token", showUnsubscribe);
// No CSRF origin check: mailbox providers POST the RFC 8058 one-click body with no Origin and no cookies; the
// signed token in the URL is what authorizes the request.
unsubscribeRoutes.post("/u/:token", limitBody(4 * 1024), doUnsubscribe);

/**
 * From the "you are unsubscribed" page: starts a new double opt-in (a forwarded email must not resubscribe).
 * A form on our own pages, so it gets the origin check; the daily limit of confirmation emails applies.
 */
unsubscribeRoutes.post("/resubscribe/:token", limitBody(4 * 1024), sameOrigin, async (c) => {
  const claims = await claimsFrom(c);
  const { deps } = c.var;
  const reader = await findSubscriber(deps, claims.subscriberId);
  const series = findSeries(claims.series);
  if (!reader || !series) throw new AppError("NOT_FOUND", "We could not find this subscription.");
  const signup = subscribe(deps, {
    email: reader.email,
    series,
    form: "resubscribe",
    ip: c.req.header("cf-connecting-ip"),
    userAgent: c.req.header("user-agent")?.slice(0, 512),
  });
  c.executionCtx.waitUntil(signup.catch((error) => console.error("resubscribe failed", error)));
  return c.html(
    <MessagePage title="Check your inbox" siteName={series.title}>
      <p>We sent you a link to confirm. Once you click it, the series picks up where you left off.</p>
    </MessagePage>,
  );
});
