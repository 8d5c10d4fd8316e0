/** Where things are in a content file, 1-based line and column, for the build's `path:line:col` messages. */
export interface Position {
  line: number;
  col: number;
}

/** The line and column of a character offset. */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, Math.max(0, offset));
  const lastBreak = before.lastIndexOf("\n");
  return { line: before.split("\n").length, col: offset - lastBreak };
}

/** The first occurrence of `needle` at or after `from`, or undefined. */
export function positionOf(text: string, needle: string, from = 0): Position | undefined {
  const index = text.indexOf(needle, from);
  return index === -1 ? undefined : positionAt(text, index);
}

/** The front matter of a part: where each top-level key is, and the offset where the body starts. */
export function frontMatterLayout(text: string): { keys: Map<string, Position>; bodyOffset: number } {
  const keys = new Map<string, Position>();
  const lines = text.split("\n");
  if (lines[0]?.trimEnd() !== "---") return { keys, bodyOffset: 0 };
  let offset = lines[0].length + 1;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trimEnd() === "---") return { keys, bodyOffset: offset + line.length + 1 };
    const key = /^([A-Za-z_][\w-]*)\s*:/.exec(line)?.[1];
    if (key && !keys.has(key)) keys.set(key, { line: i + 1, col: 1 });
    offset += line.length + 1;
  }
  return { keys, bodyOffset: text.length };
}

/** Where a top-level "key" of a JSON file is (the first `"key":`). */
export function jsonKeyPosition(text: string, key: string): Position | undefined {
  const match = new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\s*:`).exec(text);
  return match ? positionAt(text, match.index) : undefined;
}

/** JSON.parse's error as a position: V8 says "(line L column C)" or "at position N". */
export function jsonErrorPosition(text: string, message: string): Position | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), col: Number(lineCol[2]) };
  const offset = /position (\d+)/.exec(message);
  return offset ? positionAt(text, Number(offset[1])) : undefined;
}
