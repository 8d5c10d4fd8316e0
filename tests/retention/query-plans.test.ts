import { describe, expect, it } from "vitest";
import {
  findDeliverySql,
  listArchivedRunsQuery,
  readersOfSql,
  subscriberOfSql,
} from "../../worker/delivery/delivery-list-queries";
import { retentionProbeSql, retentionSql } from "../../worker/retention/retention-queries";
import { eraseSql, subscriberDataSql } from "../../worker/subscribers/subscriber-admin-queries";
import { sql as cycleSql } from "../../worker/delivery/delivery-queries";
import { argsFor, explain, wholeTableScan } from "../helpers/recording-d1";

/** Tables that grow with the list or with time: none may be read whole (part_refs is one row per part). */
const LIST_TABLES = [
  "subscribers",
  "subscriptions",
  "deliveries",
  "batches",
  "consents",
  "events",
  "outbox",
  "webhook_events",
  "clicks",
  "import_jobs",
  "import_rows",
  "import_chunks",
  "received_parts",
  "delivery_archive",
  "responses",
  "feedback_dead_letters",
  "rate_counters",
];
const fullScan = wholeTableScan(LIST_TABLES);

const plan = (text: string, bindings?: unknown[]) => explain(text, bindings ?? argsFor(text));

describe("retention's statements", () => {
  for (const [name, text] of [
    ...Object.entries(retentionSql),
    ...Object.entries(retentionProbeSql).map(([n, t]) => [`probe ${n}`, t] as const),
  ]) {
    it(`${name} picks its rows through an index, oldest first, and scans no whole table`, async () => {
      const details = await plan(text);
      for (const detail of details) expect(detail, `${name}: ${details.join(" | ")}`).not.toMatch(fullScan);
    });
  }

  it("each chunk starts from the index that orders its table by age", async () => {
    const uses = async (text: string, index: RegExp) => expect((await plan(text)).join(" | ")).toMatch(index);
    await uses(
      retentionSql.webhookEvents,
      /webhook_events USING (COVERING )?INDEX webhook_events_received_at_idx \(received_at<\?\)/,
    );
    await uses(retentionSql.deleteDeliveries, /batches USING (COVERING )?INDEX batches_sent_at_idx \(sent_at<\?\)/);
    await uses(retentionSql.deleteDeliveries, /deliveries USING INDEX deliveries_batch_id_idx \(batch_id=\?\)/);
    await uses(retentionSql.clicks, /SEARCH c USING INDEX clicks_created_at_idx \(created_at<\?\)/);
    await uses(
      retentionSql.purgeSubscribers,
      /SEARCH p USING INDEX subscribers_pending_created_at_idx \(created_at<\?\)/,
    );
    // Deleting a reader checks the foreign key from deliveries through deliveries_subscriber_id_idx, not a scan.
    await uses(
      retentionSql.purgeSubscribers,
      /SEARCH deliveries USING COVERING INDEX deliveries_subscriber_id_idx \(subscriber_id=\?\)/,
    );
    await uses(
      retentionSql.importRows,
      /import_jobs USING (COVERING )?INDEX import_jobs_finished_at_idx \(finished_at>\? AND finished_at<\?\)/,
    );
    await uses(retentionSql.outbox, /outbox USING (COVERING )?INDEX outbox_created_at_idx \(created_at<\?\)/);
    await uses(
      retentionSql.feedbackDeadLetters,
      /feedback_dead_letters USING (COVERING )?INDEX feedback_dead_letters_dead_at_idx \(dead_at<\?\)/,
    );
    await uses(
      retentionSql.rateCounters,
      /rate_counters USING (COVERING )?INDEX rate_counters_window_start_idx \(window_start<\?\)/,
    );
  });
});

describe("reading the compact form", () => {
  it("an old link's delivery: a primary-key probe in deliveries, else the run before it in delivery_archive", async () => {
    const details = (await plan(findDeliverySql, [1000])).join(" | ");
    expect(details).toMatch(/SEARCH deliveries USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(details).toMatch(/SEARCH delivery_archive USING INTEGER PRIMARY KEY \(rowid<\?\)/);
    expect(details).toMatch(/SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(details).not.toMatch(fullScan);
    expect((await plan(subscriberOfSql)).join()).toBe("SEARCH subscriptions USING INTEGER PRIMARY KEY (rowid=?)");
  });

  it("the cycle checks a reader's slimmed parts with a primary-key probe and an index probe", async () => {
    for (const text of [cycleSql.advanceSubscriptions, cycleSql.repositionSeries]) {
      const details = (await plan(text)).join(" | ");
      expect(details).toMatch(/SEARCH rp USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(details).toMatch(/SEARCH r USING COVERING INDEX part_refs_part_id_series_idx \(part_id=\?\)/);
    }
  });

  it("the admin list walks runs by part, or by id backwards, never sorting", async () => {
    const base = { limit: 50 };
    const byPart = listArchivedRunsQuery({ ...base, series: "fixture-four", part: 2 }, 5000, 51)!;
    expect((await plan(byPart.text, byPart.params)).join(" | ")).toMatch(
      /SEARCH a USING INDEX delivery_archive_part_ref_idx \(part_ref=\? AND rowid<\?\)/,
    );
    for (const input of [{ ...base, series: "fixture-four" }, base, { ...base, status: "sent" as const }]) {
      const query = listArchivedRunsQuery(input, 5000, 51)!;
      const details = (await plan(query.text, query.params)).join(" | ");
      expect(details).toMatch(/SEARCH a USING INTEGER PRIMARY KEY \(rowid<\?\)/);
      expect(details).not.toMatch(/TEMP B-TREE/);
    }
    expect(listArchivedRunsQuery({ ...base, status: "claimed" }, undefined, 51)).toBeNull();
    expect((await plan(readersOfSql, ["[]"])).join(" | ")).toMatch(
      /SEARCH subscriptions USING INTEGER PRIMARY KEY \(rowid=\?\)/,
    );
  });

  it("a reader's page and erasure reach their slimmed parts and responses through indexes", async () => {
    for (const text of [
      subscriberDataSql.receivedParts,
      subscriberDataSql.partRefs,
      subscriberDataSql.responses,
      eraseSql.receivedParts,
    ]) {
      const details = await plan(text);
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(fullScan);
    }
    expect((await plan(subscriberDataSql.responses)).join()).toMatch(/responses_subscriber_id_idx/);
  });
});
