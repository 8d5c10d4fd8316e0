import type { Overview } from "../../stats/read-overview";
import { AdminLayout, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { RecentTables } from "./recent-tables";
import { SendForm, type SeriesChoice } from "./send-form";
import { SeriesCard } from "./series-card";
import { SessionsCard } from "./sessions-card";

/** /admin: the state of every series, what to do next, and what just happened. */
export function OverviewPage(props: LayoutProps & { overview: Overview; choices: SeriesChoice[]; now: number }) {
  const { overview, choices, now, ...layout } = props;
  const paused = overview.series.filter((series) => series.paused);
  return (
    <AdminLayout title="Overview" {...layout}>
      <h1>Overview</h1>
      {paused.map((series) => (
        <p class="notice" role="status">
          <strong>{series.title ?? series.series}</strong> is paused: {series.pauseReason ?? "no reason given"}.{" "}
          <a href={`#series-${series.series}`}>Resume it below</a> once the cause is dealt with.
        </p>
      ))}
      <div class="grid two">
        <section class="card" aria-labelledby="send-h">
          <h2 id="send-h">Send</h2>
          <p class="muted">
            The cron sends what is due every minute. A dry run shows what would go right now, without sending anything.
          </p>
          <SendForm csrfToken={layout.csrfToken} series={choices} mode="dry-run" />
        </section>
        <section class="card" aria-labelledby="find-h">
          <h2 id="find-h">Find a reader</h2>
          {/* biome-ignore lint/a11y/useSemanticElements: a GET form is the search landmark itself; a <search> wrapper adds nothing here */}
          <form method="get" action="/admin/readers" class="search" role="search">
            <div class="field">
              <label for="q">Address or name</label>
              <input id="q" name="q" type="search" maxlength={200} />
            </div>
            <button type="submit" class="secondary">
              Find
            </button>
          </form>
        </section>
      </div>
      <div class="grid" style="margin-top:1rem">
        {overview.series.map((series) => (
          <SeriesCard
            series={series}
            growth={overview.growth.series.find((growth) => growth.series === series.series)}
            window={overview.growth.days}
            csrfToken={layout.csrfToken}
            now={now}
          />
        ))}
      </div>
      <div style="margin-top:1rem">
        <RecentTables recent={overview.recent} />
      </div>
      <div style="margin-top:1rem">
        <SessionsCard csrfToken={layout.csrfToken} />
      </div>
    </AdminLayout>
  );
}
