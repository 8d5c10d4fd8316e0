import type { PartStats, SeriesStats } from "../../stats/series-stats";
import { scheduledFor } from "./format";

/** The funnel's steps, then unsubscribes beside them (a loss, drawn in red). */
export const funnelSteps = [
  { key: "sent", label: "Sent", color: "#a9c2dd" },
  { key: "delivered", label: "Delivered", color: "#7aa3cf" },
  { key: "humanClicks", label: "Human clicks", color: "#3f79b5" },
  { key: "responses", label: "Responses", color: "#0b4f8a" },
  { key: "unsubscribes", label: "Unsubscribes", color: "#c0504d" },
] as const satisfies readonly { key: keyof PartStats; label: string; color: string }[];

// In viewBox units: drawn about 1.2× on a phone (text ≈ 13 px) and at most 1.6× on a desktop (CSS max-width).
const WIDTH = 260;
const LABEL_WIDTH = 82;
const BAR_MAX = 136;
const BAR_HEIGHT = 11;
const ROW = 15;
const TITLE_ROW = 18;
const GAP = 12;
const PART_HEIGHT = TITLE_ROW + funnelSteps.length * ROW + GAP;

const short = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const partName = (part: PartStats) =>
  part.part === null ? `Removed part (${part.id})` : `Part ${part.part}${part.title ? ` · ${part.title}` : ""}`;
/** The part's name, with its release when it is written ahead: "Part 2 · Title (scheduled 2099-01-15 08:00 UTC)". */
const fullName = (part: PartStats, now: number) => {
  const at = scheduledFor(part.publishAt, now);
  return at ? `${partName(part)} (scheduled ${at})` : partName(part);
};
const describe = (part: PartStats, now: number) =>
  `${fullName(part, now)}: ${funnelSteps.map((step) => `${step.label.toLowerCase()} ${part[step.key]}`).join(", ")}; ${part.waiting} waiting.`;

/** Bars per part drawn on the server; a table with the same numbers follows it for screen readers and copying. */
export function FunnelChart({ series, now }: { series: SeriesStats; now: number }) {
  const parts = series.parts;
  const id = `funnel-${series.series}`;
  if (parts.length === 0) return <p class="muted">This series has no parts yet.</p>;
  const max = Math.max(1, ...parts.flatMap((part) => funnelSteps.map((step) => part[step.key])));
  const height = parts.length * PART_HEIGHT;
  return (
    <figure class="funnel">
      <figcaption id={`${id}-caption`}>Funnel per part</figcaption>
      <ul class="legend" aria-hidden="true">
        {funnelSteps.map((step) => (
          <li>
            <i style={`background:${step.color}`} />
            {step.label}
          </li>
        ))}
      </ul>
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        font-family="system-ui, sans-serif"
        font-size="11"
      >
        <title id={`${id}-title`}>{`Funnel of ${series.title ?? series.series}`}</title>
        <desc id={`${id}-desc`}>{parts.map((part) => describe(part, now)).join(" ")}</desc>
        {parts.map((part, index) => {
          const top = index * PART_HEIGHT;
          return (
            <g>
              <text x="0" y={top + 12} font-weight="600" font-size="12" fill="#1d232b">
                {short(partName(part), 28)}
                <tspan
                  fill="#5b6672"
                  font-weight="400"
                >{`  ${scheduledFor(part.publishAt, now) ? "scheduled · " : ""}${part.waiting} waiting`}</tspan>
              </text>
              {funnelSteps.map((step, row) => {
                const y = top + TITLE_ROW + row * ROW;
                const value = part[step.key];
                const width = value === 0 ? 0 : Math.max(2, Math.round((value / max) * BAR_MAX));
                return (
                  <g>
                    <text x="0" y={y + 9} fill="#5b6672">
                      {step.label}
                    </text>
                    <rect x={LABEL_WIDTH} y={y} width={width} height={BAR_HEIGHT} rx="2" fill={step.color}>
                      <title>{`${partName(part)}: ${step.label.toLowerCase()} ${value}`}</title>
                    </rect>
                    <text x={LABEL_WIDTH + width + 4} y={y + 9} fill="#1d232b">
                      {value.toLocaleString("en-US")}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>The same numbers as a table</summary>
        <FunnelTable series={series} now={now} />
      </details>
    </figure>
  );
}

function FunnelTable({ series, now }: { series: SeriesStats; now: number }) {
  return (
    <div class="scroll">
      <table>
        <caption>{`Funnel of ${series.title ?? series.series}`}</caption>
        <thead>
          <tr>
            <th scope="col">Part</th>
            {funnelSteps.map((step) => (
              <th scope="col" class="num">
                {step.label}
              </th>
            ))}
            <th scope="col" class="num">
              Waiting
            </th>
          </tr>
        </thead>
        <tbody>
          {series.parts.map((part) => (
            <tr>
              <th scope="row">{fullName(part, now)}</th>
              {funnelSteps.map((step) => (
                <td class="num">{part[step.key]}</td>
              ))}
              <td class="num">{part.waiting}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
