import { listResponses } from "../actions/action-responses";
import type { AppDeps } from "../app-deps";
import { recentSql } from "./stats-queries";

/** How many rows each "recent" table shows: the overview stays one cheap page however large the list. */
export const RECENT_LIMIT = 8;

export interface RecentDelivery {
  id: number;
  subscriberId: number | null;
  series: string;
  part: number;
  status: string;
  email: string;
  createdAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  bouncedAt: number | null;
  complainedAt: number | null;
}

export interface RecentSuppression {
  id: number;
  subscriberId: number | null;
  at: number;
  email: string | null;
  reason: string | null;
  series: string | null;
  part: number | null;
}

export interface RecentActivity {
  deliveries: RecentDelivery[];
  responses: Awaited<ReturnType<typeof listResponses>>["data"];
  bounces: RecentSuppression[];
  complaints: RecentSuppression[];
}

/** The newest rows of each kind, at most `limit` (RECENT_LIMIT) each: one batch of reads, then the responses. */
export async function readRecentActivity(
  deps: Pick<AppDeps, "db">,
  input: { limit?: number } = {},
): Promise<RecentActivity> {
  const { db: d1 } = deps;
  const limit = input.limit ?? RECENT_LIMIT;
  const [deliveries, bounces, complaints] = await d1.batch<unknown>([
    d1.prepare(recentSql.deliveries).bind(limit),
    d1.prepare(recentSql.suppressions).bind(limit, "bounced"),
    d1.prepare(recentSql.suppressions).bind(limit, "complained"),
  ]);
  const { data: responses } = await listResponses(deps, { limit });
  return {
    deliveries: deliveries!.results as RecentDelivery[],
    responses,
    bounces: bounces!.results as RecentSuppression[],
    complaints: complaints!.results as RecentSuppression[],
  };
}
