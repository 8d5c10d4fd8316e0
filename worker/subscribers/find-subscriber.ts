import { emailKey } from "./email-address";

/** A subscriber's id by id or by address (any case); null when there is none. */
export async function findSubscriberId(
  d1: D1Database,
  ref: { id: number } | { email: string },
): Promise<number | null> {
  const row =
    "id" in ref
      ? await d1.prepare("SELECT id FROM subscribers WHERE id = ?1").bind(ref.id).first<{ id: number }>()
      : await d1
          .prepare("SELECT id FROM subscribers WHERE email_key = ?1")
          .bind(emailKey(ref.email))
          .first<{ id: number }>();
  return row?.id ?? null;
}
