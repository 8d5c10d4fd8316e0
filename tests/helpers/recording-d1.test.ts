import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { argsFor, explain, expectNoScans, failingOn, faultyBatches, recordingD1 } from "./recording-d1";

/** The helper every D1 test leans on: what it records and counts is what the code under test did. */
describe("recordingD1", () => {
  it("records each statement with its values, a batch one call of all its statements", async () => {
    const { db, statements, counts, writes } = recordingD1();
    await db.prepare("SELECT ?1 AS a").bind(7).first();
    await db.batch([
      db.prepare("INSERT INTO rate_counters (name, window_start, count) VALUES (?1, 0, 1)").bind("rec-a"),
      db.prepare("INSERT INTO rate_counters (name, window_start, count) VALUES (?1, 0, 1)").bind("rec-b"),
    ]);
    expect(statements.map((s) => s.args)).toEqual([[7], ["rec-a"], ["rec-b"]]);
    expect(counts).toEqual({ calls: 2, statements: 3 });
    expect(writes.rowsWritten).toBeGreaterThanOrEqual(2);
    expect(writes.statements.map((s) => s.changes)).toEqual([1, 1]);
  });

  it("stacks: a counting wrapper over a faulty one counts the refused batch and writes nothing", async () => {
    const refusing = faultyBatches(env.DB, (batch) =>
      batch.some((s) => s.args[0] === "rec-refused") ? "refuse" : null,
    );
    const { db, counts } = recordingD1(refusing);
    const insert = "INSERT INTO rate_counters (name, window_start, count) VALUES (?1, 0, 1)";
    await expect(db.batch([db.prepare(insert).bind("rec-refused")])).rejects.toThrow(/refused/);
    expect(counts).toEqual({ calls: 1, statements: 1 });
    expect(await env.DB.prepare("SELECT name FROM rate_counters WHERE name = 'rec-refused'").first()).toBeNull();
  });

  it("failingOn fails the chosen statement alone and any batch holding it, and nothing else", async () => {
    const db = failingOn(env.DB, (query) => query.includes("doomed"));
    await expect(db.prepare("SELECT 1 AS doomed").first()).rejects.toThrow(/injected/);
    await expect(db.batch([db.prepare("SELECT 1"), db.prepare("SELECT 2 AS doomed")])).rejects.toThrow(/injected/);
    expect(await db.prepare("SELECT 3 AS fine").first()).toEqual({ fine: 3 });
  });

  it("explains a statement; expectNoScans fails on a whole-table scan", async () => {
    expect(argsFor("SELECT ?1, ?3", (i) => i)).toEqual([0, 1, 2]);
    expect(await explain("SELECT * FROM subscribers WHERE id = ?1", [1])).toEqual([
      expect.stringMatching(/^SEARCH subscribers USING INTEGER PRIMARY KEY/),
    ]);
    await expect(expectNoScans([{ query: "SELECT * FROM subscribers WHERE name = ?1", args: ["x"] }])).rejects.toThrow(
      /SCAN subscribers/,
    );
  });
});
