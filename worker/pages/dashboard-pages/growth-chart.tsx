import {
  GROWTH_WINDOWS,
  type GrowthCounter,
  type GrowthDay,
  type GrowthWindow,
  type SeriesGrowth,
} from "../../stats/read-growth";
import { count } from "./format";

/** One strip of bars per counter, on one scale: joins in blues, losses in red (as the funnel draws them). */
export const growthStrips = [
  { key: "signups", label: "Signups", color: "#7aa3cf" },
  { key: "confirmations", label: "Confirmations", color: "#0b4f8a" },
  { key: "unsubscribes", label: "Unsubscribes", color: "#c0504d" },
] as const satisfies readonly { key: GrowthCounter; label: string; color: string }[];

// In viewBox units, on the funnel's scale (a 260-unit width drawn at most 1.6×).
const WIDTH = 260;
const LABEL_WIDTH = 86;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - 2;
const BAR_MAX = 24;
const STRIP = 34;
const AXIS = 14;

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const plural = (n: number, word: string) => `${count(n)} ${n === 1 ? word.replace(/s$/, "") : word}`;
const summary = (counts: Record<GrowthCounter, number>) =>
  growthStrips.map((strip) => plural(counts[strip.key], strip.label.toLowerCase())).join(", ");

/** A series' signups, confirmations and unsubscribes per UTC day, drawn on the server; the table follows it. */
export function GrowthChart({ growth, window }: { growth: SeriesGrowth; window: GrowthWindow }) {
  const id = `growth-${growth.series}`;
  const name = growth.title ?? growth.series;
  const days = growth.days;
  const first = days[0]!.day;
  const last = days.at(-1)!.day;
  const max = Math.max(1, ...days.flatMap((day) => growthStrips.map((strip) => day[strip.key])));
  const step = PLOT_WIDTH / days.length;
  const barWidth = Math.max(1, Math.round(step * 0.7 * 10) / 10);
  const height = growthStrips.length * STRIP + AXIS;
  return (
    <figure class="funnel growth" id={id} aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{`The list's growth, last ${window} days (UTC)`}</figcaption>
      <nav class="filters" aria-label={`Growth window of ${name}`}>
        {GROWTH_WINDOWS.map((option) => (
          <a href={`/admin?days=${option}#${id}`} aria-current={option === window ? "page" : undefined}>
            {`${option} days`}
          </a>
        ))}
      </nav>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        font-family="system-ui, sans-serif"
        font-size="11"
      >
        <title id={`${id}-title`}>{`Growth of ${name}`}</title>
        <desc
          id={`${id}-desc`}
        >{`From ${first} to ${last} (UTC): ${summary(growth.totals)}. The tallest bar is ${count(max)} a day.`}</desc>
        {growthStrips.map((strip, row) => {
          const base = row * STRIP + BAR_MAX + 4;
          return (
            <g>
              <text x="0" y={base - 12} fill="#5b6672">
                {strip.label}
              </text>
              <text x="0" y={base} fill="#1d232b" font-weight="600">
                {count(growth.totals[strip.key])}
              </text>
              <line x1={LABEL_WIDTH} y1={base + 0.5} x2={WIDTH} y2={base + 0.5} stroke="#d5dbe2" stroke-width="1" />
              {days.map((day, i) => (
                <Bar day={day} strip={strip} x={LABEL_WIDTH + i * step} base={base} width={barWidth} max={max} />
              ))}
            </g>
          );
        })}
        <text x={LABEL_WIDTH} y={height - 2} fill="#5b6672" font-size="10">
          {dayLabel(first)}
        </text>
        <text x={WIDTH} y={height - 2} fill="#5b6672" font-size="10" text-anchor="end">
          {dayLabel(last)}
        </text>
      </svg>
      <details>
        <summary>The same numbers as a table</summary>
        <GrowthTable growth={growth} window={window} />
      </details>
    </figure>
  );
}

function Bar({
  day,
  strip,
  x,
  base,
  width,
  max,
}: {
  day: GrowthDay;
  strip: (typeof growthStrips)[number];
  x: number;
  base: number;
  width: number;
  max: number;
}) {
  const value = day[strip.key];
  if (value === 0) return null;
  const h = Math.max(1, Math.round((value / max) * BAR_MAX * 10) / 10);
  return (
    <rect x={Math.round(x * 10) / 10} y={Math.round((base - h) * 10) / 10} width={width} height={h} fill={strip.color}>
      <title>{`${day.day}: ${plural(value, strip.label.toLowerCase())}`}</title>
    </rect>
  );
}

/** The days with anything to count, newest first, and the window's totals. */
function GrowthTable({ growth, window }: { growth: SeriesGrowth; window: GrowthWindow }) {
  const busy = growth.days.filter((day) => growthStrips.some((strip) => day[strip.key] > 0)).reverse();
  return (
    <div class="scroll">
      <table>
        <caption>{`Growth of ${growth.title ?? growth.series}, last ${window} days (UTC); days without any are left out`}</caption>
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            {growthStrips.map((strip) => (
              <th scope="col" class="num">
                {strip.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {busy.map((day) => (
            <tr>
              <th scope="row">{day.day}</th>
              {growthStrips.map((strip) => (
                <td class="num">{day[strip.key]}</td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            {growthStrips.map((strip) => (
              <td class="num">{growth.totals[strip.key]}</td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
