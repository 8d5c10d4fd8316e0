CREATE TABLE `feedback_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`svix_id` text,
	`type` text,
	`provider_message_id` text,
	`received_at` integer,
	`dead_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_dead_letters_dead_at_idx` ON `feedback_dead_letters` (`dead_at`);--> statement-breakpoint
ALTER TABLE `consents` ADD `provider_message_id` text;--> statement-breakpoint
CREATE INDEX `consents_provider_message_id_idx` ON `consents` (`provider_message_id`) WHERE provider_message_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `delayed_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `failed_at` integer;--> statement-breakpoint
ALTER TABLE `webhook_events` DROP COLUMN `payload`;--> statement-breakpoint
-- The delayed and failed counters were guarded by webhook_events rows; their guards move to the delivery row.
UPDATE `deliveries` SET `delayed_at` = (SELECT min(w.`received_at`) FROM `webhook_events` w WHERE w.`delivery_id` = `deliveries`.`id` AND w.`type` = 'email.delivery_delayed') WHERE `id` IN (SELECT `delivery_id` FROM `webhook_events` WHERE `type` = 'email.delivery_delayed' AND `delivery_id` IS NOT NULL);--> statement-breakpoint
UPDATE `deliveries` SET `failed_at` = (SELECT min(w.`received_at`) FROM `webhook_events` w WHERE w.`delivery_id` = `deliveries`.`id` AND w.`type` = 'email.failed') WHERE `id` IN (SELECT `delivery_id` FROM `webhook_events` WHERE `type` = 'email.failed' AND `delivery_id` IS NOT NULL);
