import { Hono, type Context } from "hono";
import { AppError } from "../../errors";
import { ReaderPage, readerNotices } from "../../pages/dashboard-pages/reader-page";
import { findSubscriberId } from "../../subscribers/find-subscriber";
import { readSubscriberData } from "../../subscribers/subscriber-data";
import { updateSubscriber, type SubscriberPatch } from "../../subscribers/update-subscriber";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { movePatch, noReader, readerIdOf, readForm, scopeSeries } from "./reader-ref";
import { seriesParts } from "./series-choice";

/** One reader: what is held about them (the API's detail verb) and the admin's changes to them. */
export const readerDetailRoutes = new Hono<DashboardEnv>();

/** From a row that knows only the address (a response): to that reader's page. */
readerDetailRoutes.get("/readers/by-address", async (c) => {
  const email = c.req.query("email") ?? "";
  const id = email && email.length <= 320 ? await findSubscriberId(c.var.deps, { email }) : null;
  if (!id) throw noReader();
  return c.redirect(`/admin/readers/${id}`, 303);
});

readerDetailRoutes.get("/readers/:id", async (c) => {
  const data = await readSubscriberData(c.var.deps, readerIdOf(c));
  if (!data) throw noReader();
  const done = c.req.query("done");
  // Only our own notices are shown: the query names one, it never carries text.
  const notice = done !== undefined && done in readerNotices ? (done as keyof typeof readerNotices) : undefined;
  return c.html(<ReaderPage {...pageProps(c, "readers")} data={data} notice={notice} catalog={seriesParts()} />);
});

async function applyPatch(c: Context<DashboardEnv>, patch: SubscriberPatch, done: keyof typeof readerNotices) {
  const id = readerIdOf(c);
  const result = await updateSubscriber(c.var.deps, { id, patch });
  if (result.kind === "not_found") throw noReader();
  if (result.kind === "no_subscription")
    throw new AppError("NOT_FOUND", `This reader has no subscription to "${result.series}".`);
  if (result.kind === "conflict") throw new AppError("CONFLICT", result.message);
  return c.redirect(`/admin/readers/${id}?done=${done}`, 303);
}

for (const [action, status] of [
  ["pause", "paused"],
  ["resume", "active"],
] as const) {
  readerDetailRoutes.post(`/readers/:id/${action}`, async (c) => {
    const series = scopeSeries(await readForm(c));
    return applyPatch(c, { status, ...(series ? { series } : {}) }, action === "pause" ? "paused" : "resumed");
  });
}

readerDetailRoutes.post("/readers/:id/move", async (c) => applyPatch(c, movePatch(await readForm(c)), "moved"));
