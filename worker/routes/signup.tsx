import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { findSeries } from "../content/catalog";
import type { CompiledSeries } from "../content/types";
import { getDb } from "../db";
import { AppError } from "../errors";
import { isValidTimezone } from "../lib/timezone";
import { wantsJson } from "../lib/respond";
import { createMailer } from "../mail";
import { MessagePage } from "../pages/message-page";
import { SignupPage } from "../pages/signup-page";
import { confirmSubscription } from "../subscribers/confirm";
import { emailAddressSchema } from "../subscribers/email-address";
import { REFERRAL_PARAM } from "../subscribers/referral";
import { subscribe } from "../subscribers/subscribe";
import { verifyTurnstile } from "../subscribers/turnstile";
import { verifyToken } from "../tokens";

const subscribeSchema = z.object({
  email: emailAddressSchema,
  name: z
    .string()
    .max(100, "Please keep your name under 100 characters.")
    .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), "Your name cannot contain line breaks or control characters.")
    // Bidi overrides and zero-width characters let a name disguise itself in emails and the admin view.
    .refine((name) => !/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(name), "Your name contains invisible characters.")
    .optional(),
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
  // A shared referral link (/s/:series?ref=…) rides along in the form; checked only when the form comes back.
  const ref = c.req.query("ref");
  return c.html(signupPage(c, series, undefined, ref && REFERRAL_PARAM.test(ref) ? { ref } : undefined));
});

signupRoutes.post(
  "/subscribe",
  bodyLimit({
    maxSize: 16 * 1024,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", "That request is too large.");
    },
  }),
  csrf(),
  async (c) => {
    const json = wantsJson(c);
    const ip = c.req.header("cf-connecting-ip");
    if (c.env.SIGNUP_LIMITER) {
      const { success } = await c.env.SIGNUP_LIMITER.limit({ key: `subscribe:${ip ?? "unknown"}` });
      if (!success) throw new AppError("RATE_LIMITED", "Too many signups from your network. Please try again in a minute.");
    }

    const body = await readBody(c);
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
    if (!input.website) {
      const cfZone = (c.req.raw as { cf?: { timezone?: string } }).cf?.timezone;
      const timezone = [input.timezone, cfZone].find((zone) => zone && isValidTimezone(zone));
      await subscribe(getDb(c.env.DB), config, createMailer(c.env, config), {
        email: input.email,
        name: input.name,
        series,
        timezone,
        ip,
        userAgent: c.req.header("user-agent")?.slice(0, 512),
        form: json ? "api" : "signup-form",
        ref: input.ref,
      });
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

/** Parsed by the request's own content type; the Accept header only chooses the answer's format. */
async function readBody(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (type.includes("application/json")) {
    try {
      return await c.req.json();
    } catch {
      throw new AppError("BAD_REQUEST", "The request body is not valid JSON.");
    }
  }
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the form as application/x-www-form-urlencoded or JSON.");
  }
  const form = await c.req.parseBody();
  // A repeated field keeps its last value (parseBody without `all`); files arrive as File objects: dropped.
  return Object.fromEntries(Object.entries(form).filter(([, value]) => typeof value === "string"));
}

signupRoutes.get("/confirm/:token", async (c) => {
  const config = readConfig(c.env);
  const check = await verifyToken(config.signingSecret, c.req.param("token"), "confirm");
  const series = check.ok ? findSeries(check.claims.series) : undefined;
  if (!check.ok || !series) {
    throw new AppError(
      "INVALID_TOKEN",
      check.ok || check.reason === "invalid"
        ? "This confirmation link is not valid. Please copy the whole link from the email, or sign up again."
        : "This confirmation link has expired. Please sign up again to get a new one.",
    );
  }
  const result = await confirmSubscription(getDb(c.env.DB), check.claims.subscriberId, series);
  if (result.kind === "not_found") throw new AppError("NOT_FOUND", "We could not find this subscription. Please sign up again.");
  if (result.kind === "used") {
    throw new AppError("INVALID_TOKEN", "This confirmation link was already used. To subscribe again, use the signup form.");
  }
  const first = result.firstPartAt;
  const when = first === null ? "when the next part is published" : first <= Date.now() + 60_000 ? "in a minute or two" : `on ${new Date(first).toUTCString()}`;
  return c.html(
    <MessagePage title="You are subscribed" siteName={series.title}>
      <p>
        {result.kind === "confirmed" ? "Thank you for confirming." : "You had already confirmed."} The next part of “
        {series.title}” will arrive in your inbox {when}.
      </p>
      <p>
        <a href={`/p/${series.slug}`}>See every part of the series</a>
      </p>
    </MessagePage>,
  );
});
