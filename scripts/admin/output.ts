import { SingleBar } from "cli-progress";
import Table from "cli-table3";

export type Cell = string | number | boolean | null | undefined;

/** Control characters from the data (a name holding ESC sequences) shown, never obeyed by the terminal. */
const visible = (text: string) =>
  text.replace(
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

/** A plain table (no colours: the output is often piped or read by a test). */
export function table(head: string[], rows: Cell[][]): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? "" : visible(String(cell)))));
  return t.toString();
}

export function printLine(text = ""): void {
  process.stdout.write(`${text}\n`);
}
export const printJson = (value: unknown): void => printLine(JSON.stringify(value, null, 2));
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/**
 * A progress bar on stderr, so stdout stays the command's output. cli-progress draws nothing when stderr is
 * not a terminal (a pipe, CI, a test): the bar is for people watching.
 */
export function progressBar(format: string): SingleBar {
  return new SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: false, fps: 10 });
}
