import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { getDb } from "../db";
import { AppError } from "../errors";
import { findOutboxMessage, listOutbox } from "../mail/list-outbox";
import { OutboxListPage, OutboxMessagePage } from "../pages/outbox-pages";
import { checkAdminToken } from "./admin-auth";

/**
 * The outbox in a browser, for `npm start`: HTTP Basic auth (any user name, ADMIN_TOKEN as the password), so
 * it works without JavaScript and the browser remembers it for the session.
 */
export const adminOutboxPages = new Hono<AppEnv>();

adminOutboxPages.use(
  "*",
  basicAuth({
    realm: "nextpart admin (password: ADMIN_TOKEN)",
    verifyUser: (_user, password, c) => checkAdminToken(c, password),
  }),
);

adminOutboxPages.get(
  "/",
  zValidator("query", z.object({ to: z.string().max(320).optional() }), (result) => {
    if (!result.success) throw new AppError("BAD_REQUEST", "to: must be an email address.");
  }),
  async (c) => {
    const to = c.req.valid("query").to?.trim() || undefined;
    const { data: messages } = await listOutbox(getDb(c.env.DB), { limit: 100, to });
    return c.html(<OutboxListPage messages={messages} to={to} />);
  },
);

adminOutboxPages.get("/:id", async (c) => {
  const id = c.req.param("id");
  const message = id.length <= 64 ? await findOutboxMessage(getDb(c.env.DB), id) : undefined;
  if (!message) throw new AppError("NOT_FOUND", "There is no such email in the outbox.");
  return c.html(<OutboxMessagePage message={message} />);
});
