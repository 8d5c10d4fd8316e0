import type { RequestIdVariables } from "hono/request-id";
import type { AppDeps } from "./app-deps";
import type { Env } from "./env";

/** Hono's generics for every sub-app: our bindings, the request id and the request's deps (`c.var.deps`). */
export type AppEnv = { Bindings: Env; Variables: RequestIdVariables & { deps: AppDeps } };
