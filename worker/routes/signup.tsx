import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { findSeries } from "../content/catalog";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { AppError, RETRY_IN_A_MINUTE } from "../errors";
import { clientKey } from "../lib/client-key";
import { sameOrigin } from "../middleware/same-origin";
import { limitBody, readBody } from "../middleware/read-body";
import { validate } from "../middleware/validate";
import { isValidTimezone } from "../lib/timezone";
import { wantsJson } from "../lib/respond";
import { MessagePage } from "../pages/message-page";
import { SignupPage } from "../pages/signup-page";
import { emailAddressSchema } from "../subscribers/email-address";
import { readerNameSchema } from "../subscribers/reader-name";
import { REFERRAL_PARAM } from "../subscribers/referral";
import { subscribe } from "../subscribers/subscribe";
import { verifyTurnstile } from "../subscribers/turnstile";

const subscribeSchema = z.object({
  email: emailAddressSchema,
  name: readerNameSchema.optional(),
  series: z.string().max(100).optional(),
  timezone: z.string().max(64).optional(),
  /** Honeypot: people never see it, bots fill it in. */
  website: z.string().max(1000).optional(),
  "cf-turnstile-response": z.string().max(4096).optional(),
  /** A reader's referral token (their shared link); a bad one is ignored, never an error. */
  ref: z.string().max(100).optional().catch(undefined),
});

/** The one answer to every accepted signup, whether the address is new, pending or active (no enumeration). */
const CHECK_INBOX = "Almost there: check your inbox for a link to confirm your subscription.";

export const signupRoutes = new Hono<AppEnv>();

function defaultSeries(c: Context<AppEnv>): CompiledSeries {
  const series = findSeries(c.var.deps.config.defaultSeries);
  if (!series) throw new AppError("NOT_FOUND", "The default series is not in the catalog.");
  return series;
}

function signupPage(
  c: Context<AppEnv>,
  series: CompiledSeries,
  error?: string,
  values?: { email?: string; name?: string; ref?: string },
) {
  return (
    <SignupPage
      // Parts written ahead are not counted or named before their release.
      series={releasedSeries(series, c.var.deps.clock())}
      action="/subscribe"
      error={error}
      values={values}
      turnstileSiteKey={c.var.deps.config.turnstileSiteKey}
    />
  );
}

signupRoutes.get("/", (c) => c.html(signupPage(c, defaultSeries(c))));

// A shared referral link (/s/:series?ref=…) rides along in the form, checked only when the form comes back;
// a malformed one is dropped, never an error.
const referralQuery = z.object({ ref: z.string().regex(REFERRAL_PARAM).optional().catch(undefined) });

signupRoutes.get("/s/:series", validate("query", referralQuery), (c) => {
  const series = findSeries(c.req.param("series"));
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  if (series.slug !== c.req.param("series")) return c.redirect(`/s/${series.slug}${new URL(c.req.url).search}`, 301); // a former slug
  const { ref } = c.req.valid("query");
  return c.html(signupPage(c, series, undefined, ref ? { ref } : undefined));
});

signupRoutes.post("/subscribe", limitBody(16 * 1024), sameOrigin, async (c) => {
  const json = wantsJson(c);
  const { deps } = c.var;
  const ip = c.req.header("cf-connecting-ip");
  if (deps.env.SIGNUP_LIMITER) {
    const { success } = await deps.env.SIGNUP_LIMITER.limit({ key: `subscribe:${clientKey(ip)}` });
    if (!success)
      throw new AppError(
        "RATE_LIMITED",
        "Too many signups from your network. Please try again in a minute.",
        undefined,
        RETRY_IN_A_MINUTE,
      );
  }

  const body = await readBody(c, ["form", "json"]);
  const parsed = subscribeSchema.safeParse(body);
  const series = parsed.success && parsed.data.series ? findSeries(parsed.data.series) : defaultSeries(c);
  if (!parsed.success || !series) {
    const message = parsed.success ? "There is no such series." : parsed.error.issues[0]!.message;
    if (json) throw new AppError("BAD_REQUEST", message, parsed.success ? undefined : parsed.error.issues);
    const values = typeof body === "object" && body ? (body as Record<string, unknown>) : {};
    c.status(400);
    return c.html(
      signupPage(c, series ?? defaultSeries(c), message, {
        email: typeof values.email === "string" ? values.email.slice(0, 320) : undefined,
        name: typeof values.name === "string" ? values.name.slice(0, 100) : undefined,
        ref: typeof values.ref === "string" && REFERRAL_PARAM.test(values.ref) ? values.ref : undefined,
      }),
    );
  }

  const input = parsed.data;
  const { config } = deps;
  if (config.turnstileSecret && !(await verifyTurnstile(deps, { token: input["cf-turnstile-response"], ip }))) {
    throw new AppError("FORBIDDEN", "We could not verify that you are human. Please try again.");
  }
  // Everything that depends on the address (new, pending, active, suppressed, over its daily limit) happens
  // after the answer: the answer and the work before it are the same for every address.
  if (!input.website) {
    const cfZone = (c.req.raw as { cf?: { timezone?: string } }).cf?.timezone;
    const timezone = [input.timezone, cfZone].find((zone) => zone && isValidTimezone(zone));
    const signup = subscribe(deps, {
      email: input.email,
      name: input.name,
      series,
      timezone,
      ip,
      userAgent: c.req.header("user-agent")?.slice(0, 512),
      form: json ? "api" : "signup-form",
      ref: input.ref,
    });
    c.executionCtx.waitUntil(signup.catch((error) => console.error("signup failed", error)));
  }
  if (json) return c.json({ ok: true, message: CHECK_INBOX });
  return c.html(
    <MessagePage title="Check your inbox" siteName={series.title}>
      <p>
        We sent a link to <strong>{input.email}</strong>. Click it to confirm, and the first part of “{series.title}” is
        on its way.
      </p>
      <p class="hint">
        The link is good for 7 days. Nothing there after a few minutes? Look in your spam folder, or{" "}
        <a href={series.slug === config.defaultSeries ? "/" : `/s/${series.slug}`}>sign up again</a> (check the address
        for typos).
      </p>
    </MessagePage>,
  );
});
