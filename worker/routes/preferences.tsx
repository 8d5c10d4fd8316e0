import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../app-deps";
import type { AppEnv } from "../app-env";
import { findSeries } from "../content/catalog";
import type { CompiledSeries } from "../content/types";
import { readerZone } from "../delivery/schedule";
import { AppError, RETRY_IN_A_MINUTE } from "../errors";
import { clientKey } from "../lib/client-key";
import { limitBody, readBody } from "../middleware/read-body";
import { sameOrigin } from "../middleware/same-origin";
import { EraseConfirmPage, ErasedPage, formatLocal, PreferencesPage, type Notice } from "../pages/preferences-page";
import { deliveryTimeProblem, setDeliveryTime, type DeliveryTimeInput } from "../preferences/delivery-time";
import { joinSeries } from "../preferences/join-series";
import { askNextPartNow, NEXT_PART_NOW_PER_DAY } from "../preferences/next-part-now";
import {
  pauseEnd,
  PAUSE_CHOICES,
  pauseSubscription,
  resumeSubscription,
  type PauseChoice,
} from "../preferences/pause-subscription";
import { readPreferenceLink } from "../preferences/preference-link";
import { preferencesView } from "../preferences/preference-view";
import { readPreferences, type PreferenceState } from "../preferences/read-preferences";
import { eraseSubscriber } from "../subscribers/erase-subscriber";
import { readSubscriberExport } from "../subscribers/subscriber-data";
import { unsubscribe, unsubscribeFromSeries } from "../subscribers/unsubscribe";
import { signPreferencesToken } from "../tokens";

/**
 * The reader's preference page, `/prefs/<token>`: a GET only shows it (mail scanners follow links); every change
 * is a same-origin POST carrying the token in its form, verified again, and answered with the page showing what
 * changed. Never cached, never indexed.
 */
export const preferenceRoutes = new Hono<AppEnv>();

const BAD_LINK = "This link does not work. Please copy the whole link from the email.";
const GONE = "We could not find this subscription: it was erased, or the series is no longer published.";
const MAX_TOKEN = 512;

preferenceRoutes.use(
  "/prefs/*",
  createMiddleware(async (c, next) => {
    await next();
    c.header("cache-control", "private, no-store");
    c.header("x-robots-tag", "noindex");
  }),
);

interface Opened {
  token: string;
  state: PreferenceState;
  series: CompiledSeries;
}

/** The request's deps with its clock stopped at `now`: one press reads, changes and shows at one instant. */
const depsAt = (c: Context<AppEnv>, now: number): AppDeps => ({ ...c.var.deps, clock: () => now });

/** The subscription a token stands for, read whole; a bad token is a 400, an erased one a 404. */
async function openSubscription(deps: AppDeps, token: string): Promise<Opened> {
  const link = token.length > MAX_TOKEN ? { kind: "invalid" as const } : await readPreferenceLink(deps, token);
  if (link.kind === "invalid") throw new AppError("INVALID_TOKEN", BAD_LINK);
  const state = link.kind === "ok" ? await readPreferences(deps, link.subscriptionId) : null;
  const series = state ? findSeries(state.series) : undefined;
  if (!state || !series) throw new AppError("NOT_FOUND", GONE);
  return { token, state, series };
}

/** The page as it is now, with what the press changed; `status` says whether it did. */
async function answer(c: Context<AppEnv>, token: string, notice?: Notice, status: 200 | 400 | 409 | 429 = 200) {
  const deps = depsAt(c, c.var.deps.clock());
  const { state, series } = await openSubscription(deps, token);
  const view = preferencesView(deps, { state, series, token });
  return c.html(<PreferencesPage view={view} notice={notice} />, status);
}

preferenceRoutes.get("/prefs/:token", async (c) => answer(c, c.req.param("token")));

async function limit(c: Context<AppEnv>, key: string) {
  const limiter = c.var.deps.env.PREFERENCES_LIMITER;
  if (!limiter) return;
  const { success } = await limiter.limit({ key });
  if (!success)
    throw new AppError(
      "RATE_LIMITED",
      "Too many changes at once. Please try again in a minute.",
      undefined,
      RETRY_IN_A_MINUTE,
    );
}

/** A press: its subscription, its form, and the deps at the press's instant (`deps.clock()` is `now`). */
type Press = Opened & { form: Record<string, string>; now: number; deps: AppDeps };

/** A form field as text ("" when absent). */
const field = (p: Press, name: string) => (typeof p.form[name] === "string" ? p.form[name]! : "");

/**
 * A button of the page: same-origin, small, rate-limited per client and per subscription; the token comes from
 * the form and is checked like the link's.
 */
function press(path: string, handler: (c: Context<AppEnv>, press: Press) => Promise<Response>) {
  preferenceRoutes.post(`/prefs/${path}`, limitBody(4 * 1024), sameOrigin, async (c) => {
    await limit(c, `prefs:client:${clientKey(c.req.header("cf-connecting-ip"))}`);
    const form = (await readBody(c)) as Record<string, string>;
    const now = c.var.deps.clock();
    const deps = depsAt(c, now);
    const opened = await openSubscription(deps, typeof form.token === "string" ? form.token : "");
    await limit(c, `prefs:subscription:${opened.state.subscriptionId}`);
    return handler(c, { ...opened, form, now, deps });
  });
}

const zoneOf = (p: Press) => readerZone(p.series, p.state.timezone);

press("next", async (c, p) => {
  if (field(p, "part") !== String(p.state.nextPart))
    return answer(c, p.token, { tone: "error", text: "This page was out of date: here it is again." }, 409);
  const result = await askNextPartNow(p.deps, { state: p.state, series: p.series });
  if (result.kind === "asked")
    return answer(c, p.token, { tone: "ok", text: `Done: part ${result.part} is on its way.` });
  if (result.kind === "capped") {
    const text = `You asked for ${NEXT_PART_NOW_PER_DAY} parts ahead in the last day: you can ask again from ${formatLocal(result.nextAt, zoneOf(p))}.`;
    return answer(c, p.token, { tone: "error", text }, 429);
  }
  return answer(c, p.token, { tone: "error", text: "There is no part waiting for you to ask for right now." }, 409);
});

press("pause", async (c, p) => {
  const choice = field(p, "for");
  if (!Object.hasOwn(PAUSE_CHOICES, choice))
    throw new AppError("BAD_REQUEST", "Please choose how long to pause from the page's buttons.");
  const until = pauseEnd(choice as PauseChoice, p.now);
  if (!(await pauseSubscription(p.deps, { subscriptionId: p.state.subscriptionId, until }))) {
    return answer(
      c,
      p.token,
      { tone: "error", text: "This series is not running for you, so there is nothing to pause." },
      409,
    );
  }
  const text =
    until === null
      ? "Paused until you come back: resume here at any time."
      : `Paused until ${formatLocal(until, zoneOf(p))}: then delivery picks up where you left off.`;
  return answer(c, p.token, { tone: "ok", text });
});

press("resume", async (c, p) => {
  if (!(await resumeSubscription(p.deps, p.state.subscriptionId))) {
    return answer(c, p.token, { tone: "error", text: "This series was not paused." }, 409);
  }
  return answer(c, p.token, { tone: "ok", text: "Welcome back: delivery picks up where you left off." });
});

press("when", async (c, p) => {
  const zone = field(p, "timezone");
  const hour = field(p, "hour");
  const input: DeliveryTimeInput = {
    timezone: zone === "" ? null : zone,
    sendHour: /^\d{1,2}$/.test(hour) ? Number(hour) : null,
  };
  if (hour !== "" && input.sendHour === null)
    throw new AppError("BAD_REQUEST", "Please choose a time of day from the list.");
  const problem = deliveryTimeProblem(p.series, input);
  if (problem) return answer(c, p.token, { tone: "error", text: problem }, 400);
  await setDeliveryTime(p.deps, { state: p.state, series: p.series, ...input });
  const where = input.timezone ?? `${p.series.timezone}, the series' own zone`;
  const text =
    input.sendHour === null
      ? `Saved: parts come as soon as they are due (${where}).`
      : `Saved: parts come between ${String(input.sendHour).padStart(2, "0")}:00 and ${String((input.sendHour + 1) % 24).padStart(2, "0")}:00 (${where}).`;
  return answer(c, p.token, { tone: "ok", text });
});

press("join", async (c, p) => {
  const target = findSeries(field(p, "series"));
  if (!target) throw new AppError("BAD_REQUEST", "There is no such series.");
  const existing = p.state.subscriptions.find((s) => findSeries(s.series)?.slug === target.slug);
  const result = await joinSeries(p.deps, {
    subscriberId: p.state.subscriberId,
    timezone: p.state.timezone,
    series: target,
    existing: existing ?? null,
    ip: c.req.header("cf-connecting-ip"),
    userAgent: c.req.header("user-agent")?.slice(0, 512),
  });
  if (result.kind === "not_joined")
    return answer(c, p.token, { tone: "error", text: `You cannot join “${target.title}” from here right now.` }, 409);
  const link = {
    href: `/prefs/${signPreferencesToken(p.deps.config.keyring, result.subscriptionId)}`,
    label: `Its preferences`,
  };
  return answer(c, p.token, { tone: "ok", text: `You joined “${target.title}”: its next part is on its way.`, link });
});

press("unsubscribe", async (c, p) => {
  const from = field(p, "from");
  if (from !== "series" && from !== "all")
    throw new AppError("BAD_REQUEST", "Please use the page's buttons to unsubscribe.");
  if (from === "all") {
    await unsubscribe(p.deps, { subscriberId: p.state.subscriberId, source: "preferences" });
    return answer(c, p.token, {
      tone: "ok",
      text: "You are unsubscribed from everything: we will send you nothing more.",
    });
  }
  const others = p.state.subscriptions.filter((s) => s.id !== p.state.subscriptionId && s.status !== "stopped").length;
  await unsubscribeFromSeries(p.deps, {
    subscriberId: p.state.subscriberId,
    subscriptionId: p.state.subscriptionId,
    series: p.state.series,
    others,
  });
  return answer(c, p.token, {
    tone: "ok",
    text: `You left “${p.series.title}”: no more of its parts will be sent to you.`,
  });
});

press("export", async (c, p) => {
  const data = await readSubscriberExport(p.deps, p.state.subscriberId);
  if (!data) throw new AppError("NOT_FOUND", GONE);
  c.header("content-disposition", 'attachment; filename="my-data.json"');
  return c.json({ ...data, exportedAt: new Date(p.now).toISOString() });
});

press("erase", async (c, p) =>
  c.html(<EraseConfirmPage token={p.token} seriesTitle={p.series.title} email={p.state.email} />),
);

press("erase/confirm", async (c, p) => {
  if (field(p, "confirm") !== "erase")
    throw new AppError("BAD_REQUEST", "Please confirm on the page that asks before erasing.");
  const result = await eraseSubscriber(p.deps, p.state.subscriberId);
  if (result.kind === "in_flight")
    throw new AppError("CONFLICT", "A part is being sent to you right now: please try again in a minute.");
  if (result.kind === "not_found") throw new AppError("NOT_FOUND", GONE);
  return c.html(<ErasedPage seriesTitle={p.series.title} />);
});
