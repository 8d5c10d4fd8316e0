/**
 * The admin CLI: `npm run admin -- <command> [options]` (`--help` lists the commands). Exit code 1 on a bad
 * argument (commander) and on any failed request, with the API's message and request id on stderr.
 */
import { CliError } from "./admin/client";
import { createProgram } from "./admin/program";

const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const json = program.opts<{ json?: boolean }>().json;
  if (error instanceof CliError) {
    const { status, code, requestId } = error.details;
    if (json)
      process.stderr.write(`${JSON.stringify({ error: { code, message: error.message, requestId, status } })}\n`);
    else {
      const about = [status && `HTTP ${status}`, code, requestId && `requestId ${requestId}`]
        .filter(Boolean)
        .join(", ");
      process.stderr.write(`error: ${error.message}${about ? ` (${about})` : ""}\n`);
    }
  } else {
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exitCode = 1;
}
