import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { sendsToOutbox } from "../../mail/create-mailer";
import { AppError } from "../../errors";
import { findOutboxMessage, listOutbox } from "../../mail/list-outbox";
import { OutboxListPage, OutboxMessagePage } from "../../pages/dashboard-pages/outbox-pages";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";

/** The outbox in a browser, for `npm start`: there only while the outbox mailer is the one sending. */
export const outboxPages = new Hono<DashboardEnv>();

outboxPages.use("*", async (c, next) => {
  if (!sendsToOutbox(c.var.deps.config))
    throw new AppError("NOT_FOUND", "There is no outbox: mail goes through Resend.");
  await next();
});

outboxPages.get(
  "/",
  zValidator("query", z.object({ to: z.string().max(320).optional() }), (result) => {
    if (!result.success) throw new AppError("BAD_REQUEST", "to: must be an email address.");
  }),
  async (c) => {
    const to = c.req.valid("query").to?.trim() || undefined;
    const { data: messages } = await listOutbox(c.var.deps, { limit: 100, to });
    return c.html(<OutboxListPage {...pageProps(c)} messages={messages} to={to} />);
  },
);

outboxPages.get("/:id", async (c) => {
  const id = c.req.param("id");
  const message = id.length <= 64 ? await findOutboxMessage(c.var.deps, id) : undefined;
  if (!message) throw new AppError("NOT_FOUND", "There is no such email in the outbox.");
  return c.html(<OutboxMessagePage {...pageProps(c)} message={message} />);
});
