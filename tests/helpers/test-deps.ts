import { env } from "cloudflare:workers";
import { type AppDeps, appDeps, type DepsOverrides } from "../../worker/app-deps";

/** The deps a verb gets in the Worker, from the test's bindings; pass what a test replaces (db, mailer, clock, catalog). */
export const testDeps = (overrides: DepsOverrides = {}): AppDeps => appDeps(env, overrides);

/** The same at a fixed time: `clock` always answers `now`. */
export const testDepsAt = (now: number, overrides: Omit<DepsOverrides, "clock"> = {}): AppDeps =>
  testDeps({ ...overrides, clock: () => now });
