ALTER TABLE `consents` ADD `mailbox_key` text;--> statement-breakpoint
CREATE INDEX `consents_mailbox_key_idx` ON `consents` (`mailbox_key`,`created_at`) WHERE email_status IS NOT NULL;--> statement-breakpoint
-- Backfill (hand-written): the key of worker/subscribers/mailbox-key.ts, from each consent's reader, for every consent that mailed.
UPDATE `consents` SET `mailbox_key` = m.mailbox
FROM (
  SELECT id, CASE WHEN domain IN ('gmail.com', 'googlemail.com') THEN replace(base, '.', '') || '@gmail.com' ELSE base || '@' || domain END AS mailbox
  FROM (
    SELECT id, domain, CASE WHEN instr(local, '+') > 0 THEN substr(local, 1, instr(local, '+') - 1) ELSE local END AS base
    FROM (SELECT id, substr(lower(email), 1, instr(email, '@') - 1) AS local, substr(lower(email), instr(email, '@') + 1) AS domain FROM `subscribers`)
  )
) AS m
WHERE m.id = `consents`.`subscriber_id` AND `consents`.`email_status` IS NOT NULL;
