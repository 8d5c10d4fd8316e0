import { listResponses } from "../actions/action-responses";

/** How many rows each "recent" table shows: the overview stays one cheap page however large the list. */
export const RECENT_LIMIT = 8;

/**
 * Each reads at most ?1 rows from an index or the primary key, newest first (tests/dashboard/overview.test.ts
 * checks rows read against a bound): never a scan of deliveries or events.
 */
export const recentSql = {
  deliveries: `SELECT id, subscriber_id AS subscriberId, series, part_number AS part, status, to_email AS email, created_at AS createdAt, sent_at AS sentAt,
      delivered_at AS deliveredAt, bounced_at AS bouncedAt, complained_at AS complainedAt
    FROM deliveries ORDER BY id DESC LIMIT ?1`,
  /** ?2 event type ('bounced' or 'complained': written once per reader by the webhooks). events_type_created_at_idx. */
  suppressions: `SELECT e.id, e.subscriber_id AS subscriberId, e.created_at AS at, s.email, json_extract(e.data, '$.reason') AS reason, d.series, d.part_number AS part
    FROM events e LEFT JOIN subscribers s ON s.id = e.subscriber_id LEFT JOIN deliveries d ON d.id = e.delivery_id
    WHERE e.type = ?2 ORDER BY e.created_at DESC LIMIT ?1`,
} as const;

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

export async function readRecentActivity(d1: D1Database, limit = RECENT_LIMIT): Promise<RecentActivity> {
  const [deliveries, bounces, complaints] = await d1.batch<unknown>([
    d1.prepare(recentSql.deliveries).bind(limit),
    d1.prepare(recentSql.suppressions).bind(limit, "bounced"),
    d1.prepare(recentSql.suppressions).bind(limit, "complained"),
  ]);
  const { data: responses } = await listResponses(d1, { limit });
  return {
    deliveries: deliveries!.results as RecentDelivery[],
    responses,
    bounces: bounces!.results as RecentSuppression[],
    complaints: complaints!.results as RecentSuppression[],
  };
}
