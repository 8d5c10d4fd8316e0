import { describe, expect, it } from "vitest";
import { importSql, reportPageSql } from "../../worker/subscribers/import/import-queries";
import { eraseSql, exportPageSql, subscriberExportSql } from "../../worker/subscribers/subscriber-admin-queries";
import { argsFor, explain, wholeTableScan } from "../helpers/recording-d1";

/** Tables that grow with the list or the imports: no statement of an import or an export may scan one whole. */
const FULL_SCAN = wholeTableScan([
  "subscribers",
  "subscriptions",
  "consents",
  "suppressions",
  "import_rows",
  "import_jobs",
  "import_chunks",
]);
/** A walk of a whole index, or of every reader of a status, is a scan too. */
const INDEX_WALK = /^SCAN (subscribers|subscriptions|consents|suppressions|import_rows) USING|subscribers_status_idx/;

describe("import statements scan no whole table", () => {
  for (const [name, text] of Object.entries(importSql)) {
    it(name, async () => {
      const details = await explain(
        text,
        argsFor(text, () => "[]"),
      );
      for (const detail of details) {
        expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
        expect(detail, details.join(" | ")).not.toMatch(INDEX_WALK);
      }
    });
  }
});

describe("the report and the export read only their page", () => {
  it("a report page walks the job's rows in order, filtered or not, without sorting", async () => {
    for (const [text, params] of [
      [reportPageSql.all, ["job", 0, 50]],
      [reportPageSql.byOutcome, ["job", "invalid", 0, 50]],
    ] as const) {
      const details = await explain(text, [...params]);
      expect(details.join(" | ")).toMatch(
        /^SEARCH import_rows USING (INDEX import_rows_job_id_outcome_idx \(job_id=\? AND outcome=\? AND row>\?\)|INDEX sqlite_autoindex_import_rows_1 \(job_id=\? AND row>\?\))$/,
      );
    }
  });

  it("an export page is a keyset range of readers and their subscriptions by index", async () => {
    const details = await explain(exportPageSql, [0, 500]);
    expect(details.join(" | ")).toContain("SEARCH subscribers USING INTEGER PRIMARY KEY (rowid>?)");
    expect(details.join(" | ")).toContain("subscriptions_subscriber_id_series_idx (subscriber_id=?)");
    for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
  });
});

describe("an erasure and an access export find a person's report rows by address", () => {
  it("through import_rows_email_idx, whatever the number of rows every import wrote", async () => {
    for (const text of [eraseSql.importRows, subscriberExportSql.importRows]) {
      const details = await explain(text, [1, "Ann@Example.com"]);
      expect(details.join(" | ")).toContain("SEARCH import_rows USING INDEX import_rows_email_idx (<expr>=?)");
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
    }
  });
});
