import { spawn } from "node:child_process";
import { startMockResend } from "../../tests/helpers/mock-resend-server";
import { trackProviderCalls } from "./provider-timing";

const mock = await startMockResend(0, { keepBodies: false });
const timing = trackProviderCalls(mock.port);
const email = { from: "a <a@b.c>", to: "x@y.z", subject: "s", html: "h".repeat(8500), text: "t".repeat(2400), headers: { a: "b" } };
const body = JSON.stringify(Array.from({ length: 100 }, () => email));
console.log("body bytes", body.length);
const times: number[] = [];
for (let i = 0; i < 10; i++) {
  const t0 = performance.now();
  const res = await fetch(`${mock.url}/emails/batch`, { method: "POST", headers: { authorization: "Bearer x", "content-type": "application/json" }, body });
  await res.text();
  times.push(performance.now() - t0);
}
console.log("node fetch", times.map((t) => t.toFixed(1)).join(" "));
const child = spawn("npx", ["wrangler", "dev", "--config", "/tmp/upw/wrangler.toml", "--ip", "127.0.0.1", "--port", "18999", "--show-interactive-dev-session=false"], { detached: true, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } });
try {
  for (let i = 0; i < 80; i++) { try { await fetch("http://127.0.0.1:18999/"); break; } catch { await new Promise((r) => setTimeout(r, 250)); } }
  for (const conc of [1, 1, 4]) {
    timing.reset();
    const t0 = performance.now();
    const res = await fetch("http://127.0.0.1:18999/", { method: "POST", body: JSON.stringify({ url: mock.url, n: 10, conc }) });
    const inner = (await res.json()) as number[];
    const s = timing.summary(t0, performance.now());
    console.log(`workerd conc ${conc}: wall ${(performance.now() - t0).toFixed(0)} ms, inner`, inner.map((t) => t.toFixed(0)).join(" "), "mock mean", s.meanMs.toFixed(1), "p50", s.p50Ms.toFixed(1));
  }
} finally {
  process.kill(-child.pid!, "SIGTERM");
  await mock.close();
}
