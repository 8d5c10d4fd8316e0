import type { RequestIdVariables } from "hono/request-id";
import type { Env } from "./env";

/** Hono's generics for every sub-app: our bindings plus the request id. */
export type AppEnv = { Bindings: Env; Variables: RequestIdVariables };
