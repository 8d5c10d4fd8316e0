import { DAY_MS } from "../lib/durations";
/**
 * The compact form of deliveries once retention has slimmed them (db/schema.ts part_refs, received_parts,
 * delivery_archive; docs/retention.md): what a reader received stays, at a few bytes per email.
 */

/** The furthest a delivery got, one letter per archived email (the reader page's "outcome"). */
export const OUTCOMES = {
  s: "sent",
  d: "delivered",
  o: "opened",
  c: "clicked",
  b: "bounced",
  x: "complained",
} as const;
export type ArchivedOutcome = (typeof OUTCOMES)[keyof typeof OUTCOMES];

/** SQL: the outcome letter of deliveries row `d`, highest mark first. */
export const outcomeLetter = (d: string) =>
  `CASE WHEN ${d}.complained_at IS NOT NULL THEN 'x' WHEN ${d}.bounced_at IS NOT NULL THEN 'b'
    WHEN ${d}.human_clicked_at IS NOT NULL THEN 'c' WHEN ${d}.opened_at IS NOT NULL THEN 'o'
    WHEN ${d}.delivered_at IS NOT NULL THEN 'd' ELSE 's' END`;

/** SQL: received_parts text `parts` has an entry for part ref `ref` (",<ref>" then its outcome letter). */
export const hasPart = (parts: string, ref: string) => `(${parts} GLOB ('*,' || ${ref} || '[a-z]*'))`;

/**
 * SQL: subscription `subscription` received part id `partId` before the live window. By part id in any series,
 * as deliveries' unique key is (a renamed series keeps its parts): a primary-key probe and an index probe. The
 * migration's trigger deliveries_received_parts_once runs the same test on every insert.
 */
export const receivedBefore = (subscription: string, partId: string) =>
  `EXISTS (SELECT 1 FROM received_parts rp JOIN part_refs r ON r.part_id = ${partId}
    WHERE rp.subscription_id = ${subscription} AND ${hasPart("rp.parts", "r.id")})`;

export interface ReceivedPart {
  ref: number;
  outcome: ArchivedOutcome;
  /** When it was sent, to the day (UTC). */
  sentOn: string;
}

const ENTRY = /,(\d+)([sdocbx])(\d+)/g;

/** received_parts.parts (",<ref><outcome letter><days since 1970>" entries), in the order they were stored. */
export function parseReceivedParts(parts: string): ReceivedPart[] {
  return [...parts.matchAll(ENTRY)].map(([, ref, letter, day]) => ({
    ref: Number(ref),
    outcome: OUTCOMES[letter as keyof typeof OUTCOMES],
    sentOn: new Date(Number(day) * DAY_MS).toISOString().slice(0, 10),
  }));
}

/** delivery_archive.subscription_ids (4-byte big-endian ids) as D1 hands a BLOB back. */
export function subscriptionIdsOf(blob: ArrayBuffer | ArrayLike<number>): number[] {
  const bytes = blob instanceof ArrayBuffer ? new Uint8Array(blob) : Uint8Array.from(blob);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength >> 2 }, (_, k) => view.getUint32(k * 4));
}
