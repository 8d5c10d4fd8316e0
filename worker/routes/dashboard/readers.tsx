import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { subscriberStatuses } from "../../../db/enums";
import { AppError } from "../../errors";
import { ReadersPage } from "../../pages/dashboard-pages/readers-page";
import { listSubscribers } from "../../subscribers/list-subscribers";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";

const PAGE_SIZE = 50;

const querySchema = z.object({
  q: z.string().max(200).optional(),
  // An empty <select> sends "": any status.
  status: z.union([z.enum(subscriberStatuses), z.literal("")]).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
});

export const readerRoutes = new Hono<DashboardEnv>();

readerRoutes.get(
  "/readers",
  zValidator("query", querySchema, (result) => {
    if (!result.success)
      throw new AppError("BAD_REQUEST", "Search by address or name (up to 200 characters) and a known status.");
  }),
  async (c) => {
    const query = c.req.valid("query");
    const q = query.q?.trim() || undefined;
    const status = query.status || undefined;
    const found = await listSubscribers(c.var.deps, {
      q,
      status,
      cursor: query.cursor ? Number(query.cursor) : undefined,
      limit: PAGE_SIZE,
    });
    const next = found.next_cursor
      ? `/admin/readers?${new URLSearchParams({ ...(q ? { q } : {}), ...(status ? { status } : {}), cursor: found.next_cursor })}`
      : null;
    return c.html(<ReadersPage {...pageProps(c, "readers")} q={q} status={status} found={found} nextHref={next} />);
  },
);
