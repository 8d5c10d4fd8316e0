import type { Child } from "hono/jsx";
import type { SendWindow } from "../content/types";
import { JOIN_CONSENT_TEXT } from "../preferences/join-series";
import { NEXT_PART_NOW_PER_DAY } from "../preferences/next-part-now";
import type { NextPart, PreferencesView } from "../preferences/preference-view";
import { Layout } from "./layout";

/** What the last button press changed (or why it changed nothing), shown at the top of the page. */
export interface Notice {
  tone: "ok" | "error";
  text: string;
  link?: { href: string; label: string };
}

const styles = `
.prefs section { border-top: 1px solid var(--line); padding: .5rem 0 1rem; }
.prefs h2 { font-size: 1.2rem; margin: 1rem 0 .4rem; }
.prefs p, .prefs li, .prefs label, .prefs select { font-family: system-ui, sans-serif; font-size: 1rem; }
.prefs form { margin: .5rem 0; }
.prefs .row { display: flex; flex-wrap: wrap; gap: .5rem; }
.prefs .row button { margin-top: .25rem; }
.prefs select { width: 100%; padding: .6rem .5rem; border: 1px solid #9aa5b1; border-radius: 6px; background: #fff; min-height: 44px; }
.prefs button.danger { background: #a3261b; }
.prefs .notice { border-radius: 6px; padding: .7rem .9rem; font-family: system-ui, sans-serif; }
.prefs .notice.ok { background: #e8f4ea; border: 1px solid #9cc9a4; color: #1d4d27; }
.prefs .status { font-size: 1.05rem; }
.prefs .fine { font-size: .9rem; color: var(--muted); }
.prefs ol.parts { margin: .25rem 0; }
.prefs form.choice { margin: 0 0 1.25rem; }
.prefs form.choice p { margin: 0 0 .25rem; }
.prefs form.choice button { margin-top: .25rem; }
`;

const formats = new Map<string, Intl.DateTimeFormat>();

/** "Tue 8 Dec 2026, 07:00" on the reader's clock. */
export function formatLocal(ms: number, zone: string): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(zone, format);
  }
  return format.format(ms);
}

const hourLabel = (hour: number) =>
  `${String(hour).padStart(2, "0")}:00–${String((hour + 1) % 24).padStart(2, "0")}:00`;
const DAY_NAMES = ["", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"];

function describeWindow(window: SendWindow): string {
  const days = [...window.days].sort();
  const weekdays = days.join() === "1,2,3,4,5";
  const list = weekdays ? "weekdays" : days.length === 7 ? "every day" : days.map((day) => DAY_NAMES[day]).join(", ");
  return `${list}, ${window.start}–${window.end}`;
}

/** Every zone the runtime knows, with the reader's own first in line if it is an alias not in the list. */
function zoneOptions(current: string | null): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return current && !zones.includes(current) ? [current, ...zones] : zones;
}

/** Every page under /prefs/: never indexed, with the page's own styles. */
function PrefsLayout(props: { title: string; seriesTitle: string; children: Child }) {
  return (
    <Layout
      title={props.title}
      siteName={props.seriesTitle}
      head={
        <>
          <meta name="robots" content="noindex" />
          {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own stylesheet, a constant (text children would be escaped) */}
          <style dangerouslySetInnerHTML={{ __html: styles }} />
        </>
      }
    >
      <div class="prefs">{props.children}</div>
    </Layout>
  );
}

/** A form posting to one of the page's buttons: the token rides in the body, checked again. */
function Action(props: { action: string; token: string; children: Child; class?: string }) {
  return (
    <form method="post" action={`/prefs/${props.action}`} class={props.class}>
      <input type="hidden" name="token" value={props.token} />
      {props.children}
    </form>
  );
}

function NextLine({ next, zone }: { next: NextPart; zone: string }) {
  if (next.kind === "on_its_way")
    return (
      <>
        Part {next.number}, “{next.title}”, is on its way: it arrives within a few minutes.
      </>
    );
  if (next.kind === "due")
    return (
      <>
        Next: part {next.number}, “{next.title}”, on {formatLocal(next.at, zone)}.
      </>
    );
  return (
    <>
      You have every part published so far.{" "}
      {next.plannedAt !== null ? (
        <>The next one is planned for {formatLocal(next.plannedAt, zone)}.</>
      ) : (
        <>The writer's pace: {next.cadence}.</>
      )}
    </>
  );
}

function StandingLine({ view }: { view: PreferencesView }) {
  const { standing, next, zone } = view;
  switch (standing.kind) {
    case "reading":
      return next ? <NextLine next={next} zone={zone} /> : null;
    case "paused":
      return standing.until === null ? (
        <>Paused until you come back. Your place is kept.</>
      ) : (
        <>Paused until {formatLocal(standing.until, zone)}. Your place is kept: delivery picks up by itself then.</>
      );
    case "left":
      return <>You left this series: no more of its parts are sent to you.</>;
    case "pending":
      return <>This subscription waits for you to confirm it: look for our email with the link.</>;
    case "unsubscribed":
      return <>You are unsubscribed from everything: we send you nothing.</>;
    case "suppressed":
      return standing.reason === "bounced" ? (
        <>Your address stopped accepting our mail, so we stopped sending.</>
      ) : (
        <>You marked our mail as spam, so we stopped sending.</>
      );
  }
}

/** The reader's page for one series: where they are, and every change they can make, each one button. */
export function PreferencesPage({ view, notice }: { view: PreferencesView; notice?: Notice }) {
  const { series, token, standing, zone } = view;
  const reading = standing.kind === "reading";
  const paused = standing.kind === "paused";
  return (
    <PrefsLayout title={`Your preferences — ${series.title}`} seriesTitle={series.title}>
      <h1>Your preferences</h1>
      <p class="lede">
        {view.name ? <>Hi {view.name}. </> : null}This is your page for “{series.title}”, sent to{" "}
        <strong>{view.email}</strong>.
      </p>
      {notice ? (
        <p class={`notice ${notice.tone === "ok" ? "ok" : "error"}`} role={notice.tone === "ok" ? "status" : "alert"}>
          {notice.text} {notice.link ? <a href={notice.link.href}>{notice.link.label}</a> : null}
        </p>
      ) : null}

      <section aria-labelledby="where-h">
        <h2 id="where-h">Where you are</h2>
        <p class="status">
          <StandingLine view={view} />
        </p>
        <p class="fine">
          Times on this page are {view.timezone ? "your time" : "the series' time"}, {zone.replace(/_/g, " ")}.
        </p>
        {view.received.length > 0 ? (
          <>
            <p>
              {view.received.length === 1 ? "The part you received" : `The ${view.received.length} parts you received`}:
            </p>
            <ol class="parts">
              {view.received.map((part) => (
                <li>
                  {part.url ? <a href={part.url}>{part.title}</a> : part.title}{" "}
                  <span class="date">
                    {part.onItsWay
                      ? "on its way"
                      : part.sentAt !== null
                        ? formatLocal(part.sentAt, zone)
                        : (part.sentOn ?? "")}
                  </span>
                </li>
              ))}
            </ol>
          </>
        ) : null}
      </section>

      {view.nextNow ? (
        <section aria-labelledby="now-h">
          <h2 id="now-h">Next part now</h2>
          {view.nextNow.kind === "offer" ? (
            <Action action="next" token={token}>
              <p>
                {view.nextNow.leavesAt === null
                  ? `Read ahead: part ${view.nextNow.number} arrives within a minute instead of on its date.`
                  : `Read ahead: part ${view.nextNow.number} leaves at ${formatLocal(view.nextNow.leavesAt, zone)} instead of on its date (this series sends only on ${describeWindow(series.sendWindow!)}).`}
              </p>
              <input type="hidden" name="part" value={String(view.nextNow.number)} />
              <button type="submit">Send me part {view.nextNow.number} now</button>
              <p class="fine">
                Up to {NEXT_PART_NOW_PER_DAY} a day: {view.nextNow.left} left today. The parts after it keep their pace
                from then on.
              </p>
            </Action>
          ) : (
            <p>
              You asked for {NEXT_PART_NOW_PER_DAY} parts ahead in the last day: you can ask again from{" "}
              {formatLocal(view.nextNow.againAt, zone)}.
            </p>
          )}
        </section>
      ) : null}

      {reading || paused ? (
        <section aria-labelledby="pause-h">
          <h2 id="pause-h">{paused ? "Paused" : "Take a break"}</h2>
          {paused ? (
            <Action action="resume" token={token}>
              <button type="submit">Resume now</button>
            </Action>
          ) : null}
          <Action action="pause" token={token}>
            <p>{paused ? "Or change how long:" : "Pause this series and keep your place:"}</p>
            <div class="row">
              <button type="submit" class="secondary" name="for" value="7">
                A week
              </button>
              <button type="submit" class="secondary" name="for" value="14">
                Two weeks
              </button>
              <button type="submit" class="secondary" name="for" value="30">
                A month
              </button>
              <button type="submit" class="secondary" name="for" value="back">
                Until I come back
              </button>
            </div>
          </Action>
        </section>
      ) : null}

      {reading || paused ? (
        <section aria-labelledby="when-h">
          <h2 id="when-h">When parts arrive</h2>
          <Action action="when" token={token}>
            {series.sendWindow ? (
              <p class="fine">This series sends on {describeWindow(series.sendWindow)}, your time.</p>
            ) : null}
            <label for="timezone">Your time zone (for all your series)</label>
            <select id="timezone" name="timezone">
              <option value="" selected={view.timezone === null}>
                The series' own ({series.timezone})
              </option>
              {zoneOptions(view.timezone).map((name) => (
                <option value={name} selected={name === view.timezone}>
                  {name.replace(/_/g, " ")}
                </option>
              ))}
            </select>
            <label for="hour">Time of day</label>
            <select id="hour" name="hour">
              <option value="" selected={view.sendHour === null}>
                As soon as a part is due
              </option>
              {view.hours.map((hour) => (
                <option value={String(hour)} selected={hour === view.sendHour}>
                  {hourLabel(hour)}
                </option>
              ))}
            </select>
            <button type="submit">Save</button>
          </Action>
        </section>
      ) : null}

      {view.others.length > 0 ? (
        <section aria-labelledby="more-h">
          <h2 id="more-h">More from {series.author}</h2>
          <p class="fine">{JOIN_CONSENT_TEXT} No email to confirm: this address is confirmed already.</p>
          {view.others.map((other) => (
            <Action action="join" token={token} class="choice">
              <p>
                <strong>{other.title}</strong>: {other.description} <span class="fine">({other.cadence})</span>
              </p>
              <input type="hidden" name="series" value={other.slug} />
              <button type="submit" class="secondary">
                Join “{other.title}”
              </button>
            </Action>
          ))}
        </section>
      ) : null}

      {standing.kind === "left" && view.canRejoin ? (
        <section aria-labelledby="again-h">
          <h2 id="again-h">Read it again</h2>
          <Action action="join" token={token}>
            <input type="hidden" name="series" value={series.slug} />
            <p>Pick up where you left off, at part {view.nextPartNumber}.</p>
            <button type="submit">Join “{series.title}” again</button>
          </Action>
        </section>
      ) : null}

      {reading || paused || standing.kind === "pending" || standing.kind === "left" ? (
        <section aria-labelledby="leave-h">
          <h2 id="leave-h">Leave</h2>
          <Action action="unsubscribe" token={token}>
            <div class="row">
              {standing.kind !== "left" ? (
                <button type="submit" class="secondary" name="from" value="series">
                  Unsubscribe from “{series.title}”
                </button>
              ) : null}
              <button type="submit" class="secondary" name="from" value="all">
                Unsubscribe from everything
              </button>
            </div>
          </Action>
        </section>
      ) : null}

      <section aria-labelledby="data-h">
        <h2 id="data-h">Your data</h2>
        <p>
          Everything we keep about you: your address, subscriptions, the parts sent, your clicks and responses, and your
          consents.
        </p>
        <div class="row">
          <Action action="export" token={token}>
            <button type="submit" class="secondary">
              Download my data
            </button>
          </Action>
          <Action action="erase" token={token}>
            <button type="submit" class="danger">
              Erase my data…
            </button>
          </Action>
        </div>
      </section>
    </PrefsLayout>
  );
}

/** The confirmation step: nothing is erased until this page's button is pressed. */
export function EraseConfirmPage(props: { token: string; seriesTitle: string; email: string }) {
  return (
    <PrefsLayout title="Erase your data?" seriesTitle={props.seriesTitle}>
      <h1>Erase your data?</h1>
      <p>
        Everything we keep about <strong>{props.email}</strong> goes, for every series: subscriptions, the parts sent,
        clicks, responses and consent records. Only a keyed hash of the address stays, so no import adds you again. This
        cannot be undone.
      </p>
      <form method="post" action="/prefs/erase/confirm">
        <input type="hidden" name="token" value={props.token} />
        <input type="hidden" name="confirm" value="erase" />
        <button type="submit" class="danger">
          Erase everything
        </button>
      </form>
      <p>
        <a href={`/prefs/${props.token}`}>Keep my data and go back</a>
      </p>
    </PrefsLayout>
  );
}

export function ErasedPage(props: { seriesTitle: string }) {
  return (
    <PrefsLayout title="Your data is erased" seriesTitle={props.seriesTitle}>
      <h1>Your data is erased</h1>
      <p>
        We hold nothing about you any more, and send you nothing. The links in our earlier emails no longer lead
        anywhere.
      </p>
    </PrefsLayout>
  );
}
