import type { SubscriberData } from "../../subscribers/subscriber-data";
import { AdminLayout, CsrfField, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { when } from "./format";
import { ReaderActivity } from "./reader-activity";

/** What a redirect after a change may ask the page to say (by key: the query never carries text). */
export const readerNotices = {
  paused: "Paused. Nothing more goes to this reader until it is resumed.",
  resumed: "Resumed. Due parts go with the next run.",
  moved: "Moved. That part is due now and goes with the next run.",
} as const;

export interface SeriesParts {
  slug: string;
  title: string;
  parts: { number: number; title: string; publishAt?: string }[];
  /** The series' "Still reading?" rule, when it has one. */
  reengage?: { afterParts: number; graceDays: number };
}

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined || value === "" ? "—" : String(value));

/** One reader: who they are, where they are in each series, what they received and did, and the admin's actions. */
export function ReaderPage(
  props: LayoutProps & { data: SubscriberData; notice?: keyof typeof readerNotices; catalog: SeriesParts[] },
) {
  const { data, notice, catalog, ...layout } = props;
  const reader = data.subscriber;
  const id = Number(reader.id);
  const base = `/admin/readers/${id}`;
  const status = String(reader.status);
  return (
    <AdminLayout title={`Reader ${id}`} {...layout}>
      <p>
        <a href="/admin/readers">← Readers</a>
      </p>
      <h1 class="wrap">{String(reader.email)}</h1>
      {notice ? (
        <p class="ok" role="status">
          {readerNotices[notice]}
        </p>
      ) : null}
      <div class="grid two">
        <section class="card" aria-labelledby="reader-h">
          <h2 id="reader-h">Reader</h2>
          <dl class="kv">
            <dt>Status</dt>
            <dd>
              <span class="badge">{status}</span>
            </dd>
            <dt>Name</dt>
            <dd class="wrap">{text(reader.name)}</dd>
            <dt>Time zone</dt>
            <dd>{reader.timezone ? String(reader.timezone) : "the series' own"}</dd>
            <dt>Since</dt>
            <dd>{when(reader.createdAt as string)}</dd>
            <dt>Confirmed</dt>
            <dd>{when(reader.confirmedAt as string | null)}</dd>
            {reader.unsubscribedAt ? (
              <>
                <dt>Unsubscribed</dt>
                <dd>{when(reader.unsubscribedAt as string)}</dd>
              </>
            ) : null}
            {reader.suppressedReason ? (
              <>
                <dt>Suppressed</dt>
                <dd class="wrap">{String(reader.suppressedReason)}</dd>
              </>
            ) : null}
          </dl>
          <div class="actions" style="margin-top:1rem">
            {status === "active" || status === "paused" ? (
              <form method="post" action={`${base}/${status === "active" ? "pause" : "resume"}`}>
                <CsrfField token={layout.csrfToken} />
                <button type="submit" class="secondary">
                  {status === "active" ? "Pause every series" : "Resume every series"}
                </button>
              </form>
            ) : null}
            <a class="button secondary" href={`${base}/export.json`} download={`subscriber-${id}.json`}>
              Download their data
            </a>
            <a class="button danger" href={`${base}/erase`}>
              Erase…
            </a>
          </div>
        </section>
        <section class="card" aria-labelledby="series-h">
          <h2 id="series-h">Series</h2>
          {data.subscriptions.length === 0 ? <p class="muted">No subscription.</p> : null}
          {data.subscriptions.map((subscription) => (
            <Position
              subscription={subscription}
              series={catalog.find((s) => s.slug === subscription.series)}
              base={base}
              csrfToken={layout.csrfToken}
            />
          ))}
        </section>
      </div>
      <ReaderActivity data={data} />
    </AdminLayout>
  );
}

function Position(props: { subscription: Row; series?: SeriesParts; base: string; csrfToken: string }) {
  const { subscription, series, base } = props;
  const slug = String(subscription.series);
  const status = String(subscription.status);
  const live = status === "active" || status === "paused";
  const formId = `move-${Number(subscription.id)}`;
  return (
    <div class="position-card">
      <h3>{series?.title ?? slug}</h3>
      <p class="muted">
        {series && Number(subscription.nextPart) > series.parts.length
          ? `${status}, caught up: all ${series.parts.length} part${series.parts.length === 1 ? "" : "s"} sent`
          : `${status}, next part ${text(subscription.nextPart)}${series ? ` of ${series.parts.length}` : ""}`}
        {subscription.dueAt ? `, due ${when(subscription.dueAt as string)}` : ""}
        {subscription.lastSentAt ? `; last sent ${when(subscription.lastSentAt as string)}` : ""}
        {subscription.setAsideReason
          ? `; ${status === "paused" ? "paused" : "set aside"}: ${String(subscription.setAsideReason)}`
          : ""}
      </p>
      <ReadingChecks subscription={subscription} rule={series?.reengage} />
      {live ? (
        <div class="actions">
          <form method="post" action={`${base}/${status === "active" ? "pause" : "resume"}`}>
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="series" value={slug} />
            <button type="submit" class="secondary">
              {status === "active" ? "Pause this series" : "Resume this series"}
            </button>
          </form>
          {series ? (
            <form method="post" action={`${base}/move`} class="actions">
              <CsrfField token={props.csrfToken} />
              <input type="hidden" name="series" value={slug} />
              <div>
                <label for={formId}>Move to part</label>
                <select id={formId} name="part">
                  {series.parts.map((part) => (
                    <option value={String(part.number)} selected={part.number === subscription.nextPart}>
                      {`${part.number} · ${part.title}`}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" class="secondary">
                Move
              </button>
            </form>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The "Still reading?" rule as it stands for this reader: their streak, and each check with what became of it. */
function ReadingChecks(props: { subscription: Row; rule?: SeriesParts["reengage"] }) {
  const checks = (props.subscription.readingChecks ?? []) as Row[];
  if (!props.rule && checks.length === 0) return null;
  const quiet = Number(props.subscription.quietParts);
  return (
    <div>
      {props.rule ? (
        <p class="muted">
          {`"Still reading?": ${quiet} part${quiet === 1 ? "" : "s"} since the last sign of reading (asked after ${props.rule.afterParts}, paused ${props.rule.graceDays} day${props.rule.graceDays === 1 ? "" : "s"} later without an answer)`}
        </p>
      ) : null}
      {checks.length > 0 ? (
        <ul>
          {checks.map((check) => (
            <li>{checkLine(check)}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function checkLine(check: Row): string {
  const asked = `"Still reading?" after ${text(check.quietParts)} quiet parts`;
  const sent = `sent ${when(check.sentAt as string | null)}`;
  const answered = when(check.answeredAt as string | null);
  switch (check.status) {
    case "queued":
      return `${asked}: queued, goes ${when(check.nextAt as string | null)}`;
    case "sent":
      return `${asked}: ${sent}, unanswered; pauses ${when(check.nextAt as string | null)}`;
    case "kept":
      return `${asked}: ${check.sentAt ? `${sent}, ` : ""}kept ${answered}`;
    case "read":
      return `${asked}: ${check.sentAt ? `${sent}, ` : "not sent, "}read again ${answered}`;
    case "paused":
      return `${asked}: ${sent}, unanswered; paused ${answered}`;
    case "failed":
      return `${asked}: not sent (refused by the provider)`;
    default:
      return `${asked}: closed ${answered} (the subscription ended or was paused first)`;
  }
}
