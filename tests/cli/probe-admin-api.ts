import type { Answer } from "./openapi-contract";

/**
 * The requests the CLI makes, made by hand against an admin API (the mock or the real Worker), each answer kept
 * with the headers the CLI or an admin reads. Both are probed with the same sequence, so their answers compare.
 */
export interface ProbedAnswer extends Answer {
  name: string;
  headers: { wwwAuthenticate: string | null; replayed: string | null; requestId: boolean };
}

export interface ProbeTarget {
  url: string;
  token: string;
  /** A series and a part that exist there. */
  series: string;
  part: number;
  /** A CSV with a valid and an invalid row, new to that API. */
  csv: string;
}

export async function probeAdminApi(target: ProbeTarget): Promise<ProbedAnswer[]> {
  const answers: ProbedAnswer[] = [];
  const ask = async (
    name: string,
    method: string,
    pathAndQuery: string,
    init: { body?: string; headers?: Record<string, string>; token?: string | null } = {},
  ) => {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.token === undefined ? target.token : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${target.url}/admin/api${pathAndQuery}`, { method, headers, body: init.body });
    const answer: ProbedAnswer = {
      name,
      method,
      path: pathAndQuery.split("?")[0]!,
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: await response.text(),
      headers: {
        wwwAuthenticate: response.headers.get("www-authenticate"),
        replayed: response.headers.get("idempotent-replayed"),
        requestId: response.headers.has("x-request-id"),
      },
    };
    answers.push(answer);
    return answer;
  };
  const json = { "content-type": "application/json" };
  const csv = { "content-type": "text/csv" };

  await ask("subscribers page", "GET", "/subscribers?limit=2");
  await ask("stats", "GET", `/stats?series=${target.series}`);
  await ask("growth", "GET", `/growth?series=${target.series}&days=90`);
  await ask("growth over a window the API does not keep", "GET", "/growth?days=7");
  await ask("send dry run", "POST", "/send", {
    body: JSON.stringify({ dryRun: true }),
    headers: { ...json, "idempotency-key": crypto.randomUUID() },
  });
  await ask("send to an unknown series", "POST", "/send", {
    body: JSON.stringify({ dryRun: true, series: "nope" }),
    headers: json,
  });
  const key = `probe-${crypto.randomUUID()}`;
  const imported = await ask("import", "POST", "/subscribers/import", {
    body: target.csv,
    headers: { ...csv, "idempotency-key": key },
  });
  await ask("import again, same key", "POST", "/subscribers/import", {
    body: target.csv,
    headers: { ...csv, "idempotency-key": key },
  });
  const jobId = (JSON.parse(imported.body) as { job: { id: string } }).job.id;
  await ask("import job", "GET", `/imports/${jobId}`);
  await ask("import rows", "GET", `/imports/${jobId}/rows?outcome=invalid`);
  await ask("export", "GET", "/subscribers/export.csv");
  await ask("preview text", "GET", `/preview/${target.series}/${target.part}?format=text`);
  await ask("preview html", "GET", `/preview/${target.series}/${target.part}`);
  await ask("preview of an unknown series", "GET", "/preview/no-such-series/1");
  await ask("preview of a part past the end", "GET", `/preview/${target.series}/999`);
  await ask("test send", "POST", "/test-send", {
    body: JSON.stringify({ to: "probe@example.com", series: target.series, part: target.part }),
    headers: { ...json, "idempotency-key": crypto.randomUUID() },
  });
  await ask("test send to a bad address", "POST", "/test-send", {
    body: JSON.stringify({ to: "nobody", series: target.series, part: target.part }),
    headers: json,
  });
  await ask("no token", "GET", "/stats", { token: null });
  await ask("wrong token", "GET", "/stats", { token: "wrong-token" });
  return answers;
}
