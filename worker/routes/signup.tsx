import { Hono, type Context } from "hono";
import { csrf } from "hono/csrf";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { findSeries } from "../content/catalog";
import type { CompiledSeries } from "../content/types";
import { getDb } from "../db";
import { AppError } from "../errors";
import { clientKey } from "../lib/client-key";
import { limitBody, readBody } from "../lib/read-body";
import { isValidTimezone } from "../lib/timezone";
import { wantsJson } from "../lib/respond";
import { createMailer } from "../mail";
import { ConfirmPage } from "../pages/confirm-page";
import { MessagePage } from "../pages/message-page";
import { SignupPage } from "../pages/signup-page";
import { confirmConsent, consentState, type ConfirmResult, type ConsentState } from "../subscribers/confirm";
import { emailAddressSchema } from "../subscribers/email-address";
import { readerNameSchema } from "../subscribers/reader-name";
import { REFERRAL_PARAM } from "../subscribers/referral";
import { subscribe } from "../subscribers/subscribe";
import { verifyTurnstile } from "../subscribers/turnstile";
import { verifyConfirmToken } from "../tokens";

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
  const series = findSeries(readConfig(c.env).defaultSeries);
  if (!series) throw new AppError("NOT_FOUND", "The default series is not in the catalog.");
  return series;
}

function signupPage(c: Context<AppEnv>, series: CompiledSeries, error?: string, values?: { email?: string; name?: string; ref?: string }) {
  return (
    <SignupPage
      series={series}
      action="/subscribe"
      error={error}
      values={values}
      turnstileSiteKey={readConfig(c.env).turnstileSiteKey}
    />
  );
}

signupRoutes.get("/", (c) => c.html(signupPage(c, defaultSeries(c))));

signupRoutes.get("/s/:series", (c) => {
  const series = findSeries(c.req.param("series"));
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  if (series.slug !== c.req.param("series")) return c.redirect(`/s/${series.slug}${new URL(c.req.url).search}`, 301); // a former slug
  // A shared referral link (/s/:series?ref=…) rides along in the form; checked only when the form comes back.
  const ref = c.req.query("ref");
  return c.html(signupPage(c, series, undefined, ref && REFERRAL_PARAM.test(ref) ? { ref } : undefined));
});

signupRoutes.post(
  "/subscribe",
  limitBody(16 * 1024),
  csrf(),
  async (c) => {
    const json = wantsJson(c);
    const ip = c.req.header("cf-connecting-ip");
    if (c.env.SIGNUP_LIMITER) {
      const { success } = await c.env.SIGNUP_LIMITER.limit({ key: `subscribe:${clientKey(ip)}` });
      if (!success) throw new AppError("RATE_LIMITED", "Too many signups from your network. Please try again in a minute.");
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
    const config = readConfig(c.env);
    if (config.turnstileSecret && !(await verifyTurnstile(config.turnstileSecret, input["cf-turnstile-response"], ip))) {
      throw new AppError("FORBIDDEN", "We could not verify that you are human. Please try again.");
    }
    // Everything that depends on the address (new, pending, active, suppressed, over its daily limit) happens
    // after the answer: the answer and the work before it are the same for every address.
    if (!input.website) {
      const cfZone = (c.req.raw as { cf?: { timezone?: string } }).cf?.timezone;
      const timezone = [input.timezone, cfZone].find((zone) => zone && isValidTimezone(zone));
      const signup = subscribe(getDb(c.env.DB), config, createMailer(c.env, config), {
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
          We sent a link to <strong>{input.email}</strong>. Click it to confirm, and the first part of “{series.title}”
          is on its way.
        </p>
        <p class="hint">
          The link is good for 7 days. Nothing there after a few minutes? Look in your spam folder, or{" "}
          <a href={series.slug === config.defaultSeries ? "/" : `/s/${series.slug}`}>sign up again</a> (check the
          address for typos).
        </p>
      </MessagePage>,
    );
  },
);

/** The consent a confirm link names; a bad or expired link is a clear 400 page. */
async function consentOf(c: Context<AppEnv>): Promise<number> {
  const check = await verifyConfirmToken(readConfig(c.env).keyring, c.req.param("token") ?? "");
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
  if (state.kind === "not_found") throw new AppError("NOT_FOUND", "We could not find this subscription. Please sign up again.");
  throw new AppError(
    "INVALID_TOKEN",
    "This confirmation link was already used or replaced by a newer one. Use the newest email we sent, or the signup form.",
  );
}

function subscribedPage(series: CompiledSeries, firstPartAt: number | null, fresh: boolean) {
  const when =
    firstPartAt === null
      ? "when the next part is published"
      : firstPartAt <= Date.now() + 60_000
        ? "in a minute or two"
        : `on ${new Date(firstPartAt).toUTCString()}`;
  return (
    <MessagePage title="You are subscribed" siteName={series.title}>
      <p>
        {fresh ? "Thank you for confirming." : "You had already confirmed."} The next part of “{series.title}” will
        arrive in your inbox {when}.
      </p>
      <p>
        <a href={`/p/${series.slug}`}>See every part of the series</a>
      </p>
    </MessagePage>
  );
}

/** Mail scanners follow links: GET (and HEAD) only show the button; the POST it sends confirms. */
signupRoutes.get("/confirm/:token", async (c) => {
  const state = await consentState(getDb(c.env.DB), await consentOf(c));
  if (state.kind === "confirmed") return c.html(subscribedPage(state.series, state.firstPartAt, false));
  if (state.kind !== "waiting") notWaiting(state);
  return c.html(<ConfirmPage token={c.req.param("token")} series={state.series} email={state.email} />);
});

signupRoutes.post("/confirm/:token", limitBody(4 * 1024), csrf(), async (c) => {
  const result = await confirmConsent(getDb(c.env.DB), await consentOf(c));
  if (result.kind === "confirmed_now" || result.kind === "confirmed") {
    return c.html(subscribedPage(result.series, result.firstPartAt, result.kind === "confirmed_now"));
  }
  notWaiting(result);
});
