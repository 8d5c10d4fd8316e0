import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { catalog, indexCatalog, type CatalogIndex } from "../../worker/content/catalog";
import type { CompiledSeries } from "../../worker/content/types";
import type { DepsOverrides } from "../../worker/app-deps";
import { deliveryContext, runCycle, type RunCycleOptions } from "../../worker/delivery/run-cycle";
import type { DeliveryContext } from "../../worker/delivery/context";
import { createResendMailer } from "../../worker/mail/resend-mailer";
import type { Mailer } from "../../worker/mail/create-mailer";
import type { Faults } from "../../scripts/mock-resend-server";
import { testDeps, testDepsAt } from "./test-deps";

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** A per-file namespace on the shared mock Resend server (tests/setup/global-setup.ts). */
export function mockResend(namespace: string) {
  const base = `${inject("resendUrl")}/t/${namespace}`;
  const call = async (path: string, init?: RequestInit) => (await fetch(`${base}${path}`, init)).json();
  return {
    base,
    mailer: (timeoutMs = 2_000): Mailer => createResendMailer("re_test_key", base, timeoutMs),
    reset: () => call("/__reset", { method: "POST" }),
    faults: (faults: Faults) => call("/__control", { method: "POST", body: JSON.stringify(faults) }),
    sent: () =>
      call("/__sent") as Promise<
        {
          id: string;
          to: string;
          subject: string;
          key: string | null;
          headers: Record<string, string>;
          html: string;
          text: string;
          tags: { name: string; value: string }[];
          seq: number;
          acceptedAt: number;
        }[]
      >,
    stats: () => call("/__stats") as Promise<Record<string, number>>,
  };
}

/** The cycle's steps (claimBatch, sendBatch) at a fixed instant, built as runCycle builds its own. */
export const deliveryContextAt = (now: number, overrides: Omit<DepsOverrides, "clock"> = {}): DeliveryContext =>
  deliveryContext(testDepsAt(now, overrides));

/** The test catalog with series edited as a deploy would (insert, remove, reorder, rename): a cycle dependency. */
export function editCatalog(edit: (series: CompiledSeries) => CompiledSeries | null): CatalogIndex {
  const series = catalog.series.map(edit).filter((s): s is CompiledSeries => s !== null);
  return indexCatalog({ version: `${catalog.version}-edited`, series });
}

/** Tests send inline with a budget no test reaches; the clock stands still at `now` unless the overrides bring one. */
export function runCycleAt(now: number, options: RunCycleOptions = {}, overrides: DepsOverrides = {}) {
  return runCycle(testDeps({ clock: () => now, ...overrides }), {
    batchSize: 100,
    maxBatches: 1000,
    concurrency: 2,
    ...options,
  });
}

export interface SeedOptions {
  series: string;
  count: number;
  /** Distinguishes readers of one seeding from another's. */
  prefix: string;
  nextPart?: number;
  dueAt?: number | null;
  timezone?: string | null;
  status?: "active" | "stopped" | "pending";
}

/** Active readers subscribed to a series, inserted with two statements whatever the count. */
export async function seedReaders(options: SeedOptions): Promise<void> {
  const { series, count, prefix } = options;
  const status = options.status ?? "active";
  await env.DB.batch([
    env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
       INSERT INTO subscribers (email, email_key, name, status, timezone, created_at, updated_at, confirmed_at)
       SELECT ?2 || i || '@example.com', ?2 || i || '@example.com', 'Reader ' || i, ?3, ?4, 0, 0, 0 FROM n`,
    ).bind(count, prefix, status === "pending" ? "pending" : "active", options.timezone ?? null),
    env.DB.prepare(
      `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
       SELECT id, ?1, ?2, ?3, ?4, 0, 0 FROM subscribers WHERE email_key LIKE ?5 || '%'`,
    ).bind(series, status, options.nextPart ?? 1, options.dueAt === undefined ? 0 : options.dueAt, prefix),
  ]);
}

/** Tests in one file share D1: start each delivery test from empty tables. */
export async function resetDatabase() {
  const tables = [
    "events",
    "webhook_events",
    "part_stats",
    "clicks",
    "deliveries",
    "batches",
    "received_parts",
    "delivery_archive",
    "part_refs",
    "consents",
    "reading_checks",
    "subscriptions",
    "subscribers",
    "series_state",
    "outbox",
    "provider_slots",
  ];
  await env.DB.batch(tables.map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
}
