import type { z } from "zod";
import type { Position } from "./source-position";

/** One problem in one content file, printed as `path:line:col: message` (the form editors and CI link to). */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** What the build refuses: one diagnostic or several (every bad part of a series, both files of a duplicate). */
export class ContentError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(file: string, message: string, at?: Position);
  constructor(diagnostics: Diagnostic[]);
  constructor(fileOrDiagnostics: string | Diagnostic[], message = "", at: Position = START) {
    const diagnostics =
      typeof fileOrDiagnostics === "string" ? [{ file: fileOrDiagnostics, ...at, message }] : fileOrDiagnostics;
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.diagnostics = diagnostics;
  }
}

export const START: Position = { line: 1, col: 1 };

export const formatDiagnostic = (d: Diagnostic) => `${d.file}:${d.line}:${d.col}: ${d.message}`;

/**
 * A zod failure as diagnostics, each at the line of the key it is about (`locate` finds it in the file; a
 * missing key has none, so it is reported at line 1). A failed union reports its closest branch's issues.
 */
export function issueDiagnostics(
  issues: z.core.$ZodIssue[],
  file: string,
  locate: (key: string) => Position | undefined,
): Diagnostic[] {
  return issues.flatMap((issue): Diagnostic[] => {
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      return issueDiagnostics(
        closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })),
        file,
        locate,
      );
    }
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const where = [...issue.path, key].join(".");
        return { file, ...(locate(String(issue.path[0] ?? key)) ?? START), message: `${where}: unknown key` };
      });
    }
    const key = issue.path[0];
    const at = key === undefined ? START : (locate(String(key)) ?? START);
    const missing = issue.code === "invalid_type" && / received undefined$/.test(issue.message);
    return [
      {
        file,
        ...at,
        message: `${issue.path.join(".") || "(root)"}: ${missing ? `missing (expected ${issue.expected})` : issue.message}`,
      },
    ];
  });
}
