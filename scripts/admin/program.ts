import { Command, InvalidArgumentError, Option } from "commander";
import { subscriberStatuses } from "../../db/schema";
import { growthDaysSchema } from "../../worker/routes/admin-api/growth-schema";
import { previewFormatSchema } from "../../worker/routes/admin-api/previews-schema";
import { clientFor } from "./client";
import { exportCommand } from "./commands/export";
import { growthCommand } from "./commands/growth";
import { importCommand } from "./commands/import";
import { previewCommand } from "./commands/preview";
import { sendCommand } from "./commands/send";
import { statsCommand } from "./commands/stats";
import { subscribersCommand } from "./commands/subscribers";
import { testSendCommand } from "./commands/test-send";

interface GlobalOptions {
  url: string;
  json: boolean;
}

/** Commander turns these errors into "error: option ... argument ... is invalid" and exit code 1. */
function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return Number(value);
  };
}

function baseUrl(value: string) {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://localhost:8787.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("expected an http(s) URL.");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** `npm run admin -- <command>`: the admin API from a terminal. */
export function createProgram(): Command {
  const program = new Command("admin")
    .description("nextpart's admin API from the terminal (token: NEXTPART_ADMIN_TOKEN, else ADMIN_TOKEN= in .dev.vars)")
    .option("--url <url>", "the worker's address", baseUrl, `http://localhost:${process.env.PORT ?? 8787}`)
    .option("--json", "machine-readable output (the API's JSON)", false)
    .showHelpAfterError();
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();

  program
    .command("send")
    .description("run a delivery cycle now")
    .option("--dry-run", "report what is due without sending")
    .option("--series <slug>", "only this series")
    .option("--subscriber <id-or-email>", "only this reader")
    .option("--idempotency-key <key>", "reuse a key to repeat a request safely (default: a new one)")
    .action(async (options, command: Command) =>
      sendCommand(clientFor(globals(command)), options, globals(command).json),
    );

  program
    .command("stats")
    .description("readers and per-part counters, per series")
    .option("--series <slug>", "only this series")
    .action(async (options, command: Command) =>
      statsCommand(clientFor(globals(command)), options, globals(command).json),
    );

  program
    .command("growth")
    .description("signups, confirmations and unsubscribes per UTC day, per series")
    .option("--series <slug>", "only this series")
    .addOption(
      new Option("--days <days>", "the window, in days up to today").choices(growthDaysSchema.options).default("30"),
    )
    .action(async (options, command: Command) =>
      growthCommand(clientFor(globals(command)), options, globals(command).json),
    );

  program
    .command("import")
    .description(
      "import subscribers from a CSV (email,name,timezone,series,consented_at,consent_source) and wait for the report",
    )
    .argument("<file>", "the CSV file")
    .option("--poll-interval <ms>", "how often to ask for the job's progress", integer(50, 60_000), 1000)
    .option("--timeout <seconds>", "give up waiting after this long (the import goes on)", integer(1), 600)
    .action(async (file: string, options, command: Command) =>
      importCommand(clientFor(globals(command)), file, options, globals(command).json),
    );

  program
    .command("export")
    .description("stream every subscriber as CSV to FILE, or to stdout")
    .argument("[file]", "where to write (default: stdout)")
    .action(async (file: string | undefined, _options, command: Command) =>
      exportCommand(clientFor(globals(command)), file),
    );

  program
    .command("preview")
    .description("the email of a part exactly as sent, to a sample reader")
    .argument("<series>", "series slug")
    .argument("<part>", "part number (1 = first)", integer(1, 9999))
    .addOption(new Option("--format <format>", "which body").choices(previewFormatSchema.options).default("html"))
    .option("--open", "write it to a temp file and open it in the browser")
    .action(async (series: string, part: number, options, command: Command) =>
      previewCommand(clientFor(globals(command)), series, part, options),
    );

  program
    .command("test-send")
    .description("send one part to an address, marked as a test (no reader is changed)")
    .argument("<series>", "series slug")
    .argument("<part>", "part number (1 = first)", integer(1, 9999))
    .requiredOption("--to <address>", "where to send it")
    .option("--idempotency-key <key>", "reuse a key to repeat a request safely (default: a new one)")
    .action(async (series: string, part: number, options, command: Command) =>
      testSendCommand(clientFor(globals(command)), series, part, options, globals(command).json),
    );

  program
    .command("subscribers")
    .description("list subscribers, newest first")
    .option("--q <text>", "email or name contains")
    .addOption(new Option("--status <status>", "subscriber status").choices(subscriberStatuses))
    .option("--series <slug>", "subscribed to this series")
    .option("--limit <n>", "per page (1-200)", integer(1, 200))
    .option("--cursor <cursor>", "start from a previous page's next_cursor")
    .option("--all", "follow next_cursor to the last page")
    .action(async (options, command: Command) =>
      subscribersCommand(clientFor(globals(command)), options, globals(command).json),
    );

  return program;
}
