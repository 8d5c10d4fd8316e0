/** The statements of the reader-facing content pages (a readers-only archive). */
export const readerArchiveSql = {
  /**
   * ?1 the token's delivery id: every part its subscription received, by the primary key then the
   * (subscription_id, part_id) index. Received as the cycle counts it (delivery/queries.ts: a delivery row).
   */
  received: `SELECT t.series AS series, r.part_id AS partId, r.id AS deliveryId
    FROM deliveries t JOIN deliveries r ON r.subscription_id = t.subscription_id
    WHERE t.id = ?1`,
} as const;
