import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { ImportJob } from "../../worker/subscribers/import/read-import";
import { ADMIN_TOKEN, BASE } from "./route-helpers";

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** POST /admin/api/subscribers/import with a CSV body. */
export function postCsv(csv: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}/admin/api/subscribers/import`, {
    method: "POST",
    headers: { ...auth, "content-type": "text/csv", ...headers },
    body: csv,
  });
}

export function adminGet(path: string): Promise<Response> {
  return SELF.fetch(`${BASE}/admin/api${path}`, { headers: auth });
}

/** Polls the job as an admin would, until the queue's consumer has processed every chunk. */
export async function waitForJob(id: string, timeout = 15_000): Promise<ImportJob> {
  let job: ImportJob | undefined;
  await vi.waitFor(
    async () => {
      job = (await (await adminGet(`/imports/${id}`)).json()) as ImportJob;
      expect(job.status).toBe("done");
    },
    { timeout, interval: 100 },
  );
  return job!;
}

/** Posts a CSV and waits for its job: what the admin sees at the end. */
export async function importCsv(csv: string, headers: Record<string, string> = {}): Promise<ImportJob> {
  const res = await postCsv(csv, headers);
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as { job: ImportJob };
  return waitForJob(job.id);
}

export interface ReportRow {
  row: number;
  email: string;
  outcome: string;
  message: string | null;
}

/** Every row of a job's report, page after page. */
export async function reportOf(id: string, query = ""): Promise<ReportRow[]> {
  const rows: ReportRow[] = [];
  let cursor = "";
  for (;;) {
    const page = (await (await adminGet(`/imports/${id}/rows?limit=200${query}${cursor}`)).json()) as {
      data: ReportRow[];
      has_more: boolean;
      next_cursor: string | null;
    };
    rows.push(...page.data);
    if (!page.has_more) return rows;
    cursor = `&cursor=${page.next_cursor}`;
  }
}

/** Tests in one file share D1: start each from empty tables. */
export async function resetImportTables() {
  const tables = [
    "import_rows",
    "import_chunks",
    "import_jobs",
    "events",
    "consents",
    "subscriptions",
    "subscribers",
    "suppressions",
    "outbox",
    "provider_slots",
  ];
  await env.DB.batch(tables.map((table) => env.DB.prepare(`DELETE FROM ${table}`)));
}
