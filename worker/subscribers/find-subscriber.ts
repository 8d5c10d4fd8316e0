import type { SubscriberStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { emailKey } from "./email-address";
import { subscriberSql } from "./subscriber-queries";

/** A subscriber's id by id or by address (any case); null when there is none. */
export async function findSubscriberId(
  deps: Pick<AppDeps, "db">,
  ref: { id: number } | { email: string },
): Promise<number | null> {
  const statement =
    "id" in ref
      ? deps.db.prepare(subscriberSql.idById).bind(ref.id)
      : deps.db.prepare(subscriberSql.idByEmailKey).bind(emailKey(ref.email));
  return (await statement.first<{ id: number }>())?.id ?? null;
}

/** The reader an unsubscribe link names, for its page, the resubscribe form and the unsubscribe itself. */
export function findSubscriber(
  deps: Pick<AppDeps, "db">,
  subscriberId: number,
): Promise<{ id: number; email: string; status: SubscriberStatus } | null> {
  return deps.db.prepare(subscriberSql.byId).bind(subscriberId).first();
}
