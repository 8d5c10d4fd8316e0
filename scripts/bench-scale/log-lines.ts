/**
 * The Worker logs one JSON line per consumer batch and per retention run (for operators: Workers Logs keeps
 * them); the scale bench reads its D1 round trips from them, since nothing outside the Worker can count them.
 *   feedback batch {"events":100,"duplicates":3,"d1RoundTrips":2,…}
 *   clicks batch {"clicks":100,"duplicates":0,"d1RoundTrips":2,…}
 *   retention {"rows":{"deliveries":2000,…},"d1":{"statements":12,…},…}
 */
export interface LogLine {
  kind: "feedback" | "clicks" | "retention";
  /** Events or clicks in the batch; rows changed by a retention run. */
  count: number;
  rows: number;
  roundTrips: number;
}

const LINE = /\b(feedback batch|clicks batch|retention)\s+(\{.*\})\s*$/;

export function parseLogLine(line: string): LogLine | null {
  const match = LINE.exec(line);
  if (!match) return null;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(match[2]!) as Record<string, unknown>;
  } catch {
    return null;
  }
  const num = (key: string) => (typeof data[key] === "number" ? (data[key] as number) : 0);
  const kind = match[1]!.split(" ")[0] as LogLine["kind"];
  // A retention run counts rows per table and D1 statements (each chunk's statements go in one batch).
  const rows =
    typeof data.rows === "object" && data.rows
      ? Object.values(data.rows as Record<string, number>).reduce((a, b) => a + b, 0)
      : num("rows");
  const d1 = data.d1 as { statements?: number } | undefined;
  return {
    kind,
    count: num(kind === "clicks" ? "clicks" : "events"),
    rows,
    roundTrips: num("d1RoundTrips") || (d1?.statements ?? 0),
  };
}

export function consumerTotals(lines: LogLine[], kind: LogLine["kind"]) {
  const mine = lines.filter((line) => line.kind === kind);
  return {
    batches: mine.length,
    events: mine.reduce((sum, line) => sum + line.count, 0),
    rows: mine.reduce((sum, line) => sum + line.rows, 0),
    roundTrips: mine.reduce((sum, line) => sum + line.roundTrips, 0),
  };
}
