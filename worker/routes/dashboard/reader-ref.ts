import type { Context } from "hono";
import { z } from "zod";
import { findSeries } from "../../content/catalog";
import { AppError } from "../../errors";
import { readBody } from "../../middleware/read-body";
import type { DashboardEnv } from "./dashboard-env";
import { catalogSeries, formSeries } from "./series-choice";

const NO_READER = "There is no reader with that id (erased, or never here).";
const partSchema = z.string().regex(/^[1-9]\d{0,3}$/);

export const noReader = () => new AppError("NOT_FOUND", NO_READER);

/** A reader id from the path: anything but a positive integer is simply no such reader (404 page). */
export function readerIdOf(c: Context<DashboardEnv>): number {
  const raw = c.req.param("id") ?? "";
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw noReader();
  return Number(raw);
}

/** A dashboard form's string fields (already parsed, and cached, by the form-token check). */
export async function readForm(c: Context<DashboardEnv>): Promise<Record<string, string>> {
  return (await readBody(c, ["form"])) as Record<string, string>;
}

/** The "move to part" form: a series of the catalog (else 400 / 404) and one of its parts, today's numbering. */
export function movePatch(body: Record<string, string>): { series: string; part: number } {
  if (!body.series) throw new AppError("BAD_REQUEST", "series: choose the series to move.");
  const series = catalogSeries(body.series);
  const part = partSchema.safeParse(body.part);
  const count = findSeries(series)!.parts.length;
  if (!part.success || Number(part.data) > count)
    throw new AppError("BAD_REQUEST", `part: choose a part from 1 to ${count}.`);
  return { series, part: Number(part.data) };
}

/** Pause or resume: every series (no series field) or one of the catalog's. */
export const scopeSeries = (body: Record<string, string>) => formSeries(body.series);
