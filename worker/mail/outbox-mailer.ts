import { mailSql } from "./mail-queries";
import type { BatchResult, Mailer, OutgoingEmail } from "./mailer";

/** Local stand-in for Resend: stores every message in D1 (table outbox), honouring idempotency keys. */
export function createOutboxMailer(db: D1Database): Mailer {
  return {
    name: "outbox",
    async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<BatchResult> {
      const earlier = await db.prepare(mailSql.outboxSent).bind(idempotencyKey).all<{ id: string }>();
      if (earlier.results.length > 0) return { kind: "sent", ids: earlier.results.map((row) => row.id) };

      const now = Date.now();
      const ids = emails.map(() => crypto.randomUUID());
      const insert = db.prepare(mailSql.outboxInsert);
      await db.batch(
        emails.map((email, i) =>
          insert.bind(
            ids[i]!,
            idempotencyKey,
            email.from,
            email.to,
            email.subject,
            email.html,
            email.text,
            JSON.stringify(email.headers),
            now + i,
          ),
        ),
      );
      return { kind: "sent", ids };
    },
  };
}
