/** Drizzle over the test's D1, for typed reads in tests (the Worker itself runs hand-written statements: docs/adr/0002). */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../db/schema";

export type Database = ReturnType<typeof getDb>;

export function getDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
