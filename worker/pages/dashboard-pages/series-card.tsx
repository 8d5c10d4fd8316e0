import type { GrowthWindow, SeriesGrowth } from "../../stats/read-growth";
import type { SeriesStats } from "../../stats/series-stats";
import { CsrfField } from "./admin-layout";
import { FunnelChart } from "./funnel-chart";
import { GrowthChart } from "./growth-chart";
import { count, scheduledFor, when } from "./format";

const statuses = ["active", "pending", "paused", "stopped"] as const;

/**
 * One series: its state (with pause or resume), readers by status, parts written ahead, the complaint guard, the
 * "Still reading?" rule, its growth, the funnel.
 */
export function SeriesCard(props: {
  series: SeriesStats;
  growth?: SeriesGrowth;
  window: GrowthWindow;
  csrfToken: string;
  now: number;
}) {
  const { series, growth, window, csrfToken, now } = props;
  const name = series.title ?? series.series;
  const guard = series.complaintGuard;
  const still = series.stillReading;
  const scheduled = series.parts.flatMap((part) => {
    const at = scheduledFor(part.publishAt, now);
    return at ? [{ part, at }] : [];
  });
  const counts: [string, number][] = [
    ...statuses.map((status) => [status, series.subscribers[status] ?? 0] as [string, number]),
    ["caught up", series.caughtUp],
  ];
  return (
    <section class="card" id={`series-${series.series}`} aria-labelledby={`series-${series.series}-h`}>
      <h2 id={`series-${series.series}-h`}>
        {name} {series.paused ? <span class="badge paused">Paused</span> : <span class="badge running">Sending</span>}
      </h2>
      <div class="split">
        <div>
          {series.paused ? (
            <p class="notice">
              Paused {when(series.pausedAt)}: {series.pauseReason ?? "no reason given"}
            </p>
          ) : null}
          <h3 id={`series-${series.series}-readers`}>Readers by status</h3>
          <dl class="counts" aria-labelledby={`series-${series.series}-readers`}>
            {counts.map(([label, n]) => (
              <div>
                <dt>{label}</dt>
                <dd>{count(n)}</dd>
              </div>
            ))}
          </dl>
          {scheduled.length > 0 ? (
            <>
              <h3 id={`series-${series.series}-scheduled`}>Scheduled</h3>
              <ul class="scheduled" aria-labelledby={`series-${series.series}-scheduled`}>
                {scheduled.map(({ part, at }) => (
                  <li>
                    {`Part ${part.part} · ${part.title ?? part.id}: ${at}`}
                    <span class="muted">{` (${count(part.waiting)} waiting)`}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <p class="muted">
            Complaint guard:{" "}
            {guard.complaintsInWindow === null
              ? `no complaints yet (pauses at ${guard.threshold} in the last ${count(guard.window)} deliveries)`
              : `${guard.complaintsInWindow} of ${guard.threshold} complaints in the last ${count(guard.window)} deliveries, checked ${when(guard.checkedAt)}`}
          </p>
          {still.rule ? (
            <p class="muted">
              {`"Still reading?" after ${still.rule.afterParts} quiet parts, ${still.rule.graceDays} days to answer: ${count(still.asked)} asked, ${count(still.kept)} kept, ${count(still.paused)} paused unanswered`}
            </p>
          ) : null}
          <form
            method="post"
            action={`/admin/series/${encodeURIComponent(series.series)}/${series.paused ? "resume" : "pause"}`}
            class="actions"
          >
            <CsrfField token={csrfToken} />
            <button type="submit" class={series.paused ? "" : "secondary"}>
              {series.paused ? `Resume ${name}` : `Pause ${name}`}
            </button>
          </form>
          {growth ? <GrowthChart growth={growth} window={window} /> : null}
        </div>
        <FunnelChart series={series} now={now} />
      </div>
    </section>
  );
}
