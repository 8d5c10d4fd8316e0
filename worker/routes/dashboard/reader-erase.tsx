import { Hono } from "hono";
import type { AppDeps } from "../../app-deps";
import { AppError } from "../../errors";
import { ReaderErasedPage, ReaderEraseConfirmPage } from "../../pages/dashboard-pages/reader-erase-pages";
import { emailKey } from "../../subscribers/email-address";
import { eraseSubscriber } from "../../subscribers/erase-subscriber";
import { readSubscriberData, readSubscriberExport } from "../../subscribers/subscriber-data";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { noReader, readerIdOf, readForm } from "./reader-ref";

/** Erasure (typed confirmation, then the one erase verb) and the reader's GDPR export. */
export const readerEraseRoutes = new Hono<DashboardEnv>();

async function readerOf(deps: Pick<AppDeps, "db">, id: number) {
  const data = await readSubscriberData(deps, id);
  if (!data) throw noReader();
  return { id, email: String(data.subscriber.email) };
}

readerEraseRoutes.get("/readers/:id/erase", async (c) => {
  const reader = await readerOf(c.var.deps, readerIdOf(c));
  return c.html(<ReaderEraseConfirmPage {...pageProps(c, "readers")} reader={reader} />);
});

readerEraseRoutes.post("/readers/:id/erase", async (c) => {
  const reader = await readerOf(c.var.deps, readerIdOf(c));
  const typed = (await readForm(c)).confirm ?? "";
  // The address typed back, as a person would type it: spaces around it and its case do not matter.
  if (typed.length > 400 || emailKey(typed.trim()) !== emailKey(reader.email)) {
    return c.html(
      <ReaderEraseConfirmPage
        {...pageProps(c, "readers")}
        reader={reader}
        error="That is not this reader's address: nothing was erased."
      />,
      400,
    );
  }
  const result = await eraseSubscriber(c.var.deps, reader.id);
  if (result.kind === "not_found") throw noReader();
  if (result.kind === "in_flight")
    throw new AppError("CONFLICT", "A part is being sent to this reader right now; try again in a minute.");
  return c.html(<ReaderErasedPage {...pageProps(c, "readers")} id={reader.id} counts={result.counts} />);
});

readerEraseRoutes.get("/readers/:id/export.json", async (c) => {
  const id = readerIdOf(c);
  const data = await readSubscriberExport(c.var.deps, id);
  if (!data) throw noReader();
  c.header("content-disposition", `attachment; filename="subscriber-${id}.json"`);
  c.header("cache-control", "private, no-store");
  return c.json({ ...data, exportedAt: new Date().toISOString() });
});
