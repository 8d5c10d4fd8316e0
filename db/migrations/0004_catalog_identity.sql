-- Parts are identified by id, not position. Rows already there are backfilled by position: the only real
-- series (origins-of-lead-change) has one part, "the-opportunity"; any other gets 'part-<n>'.
DROP INDEX `deliveries_subscription_id_part_number_idx`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `part_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `deliveries` SET `part_id` = CASE WHEN "series" = 'origins-of-lead-change' AND "part_number" = 1 THEN 'the-opportunity' ELSE 'part-' || "part_number" END;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_subscription_id_part_id_idx` ON `deliveries` (`subscription_id`,`part_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_part_stats` (
	`series` text NOT NULL,
	`part_id` text NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`delivered` integer DEFAULT 0 NOT NULL,
	`delayed` integer DEFAULT 0 NOT NULL,
	`opened` integer DEFAULT 0 NOT NULL,
	`human_clicks` integer DEFAULT 0 NOT NULL,
	`scanner_clicks` integer DEFAULT 0 NOT NULL,
	`responses` integer DEFAULT 0 NOT NULL,
	`unsubscribes` integer DEFAULT 0 NOT NULL,
	`bounces` integer DEFAULT 0 NOT NULL,
	`complaints` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`referrals` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`series`, `part_id`)
);
--> statement-breakpoint
INSERT INTO `__new_part_stats`("series", "part_id", "sent", "delivered", "delayed", "opened", "human_clicks", "scanner_clicks", "responses", "unsubscribes", "bounces", "complaints", "failed", "referrals") SELECT "series", CASE WHEN "series" = 'origins-of-lead-change' AND "part_number" = 1 THEN 'the-opportunity' ELSE 'part-' || "part_number" END, "sent", "delivered", "delayed", "opened", "human_clicks", "scanner_clicks", "responses", "unsubscribes", "bounces", "complaints", "failed", "referrals" FROM `part_stats`;--> statement-breakpoint
DROP TABLE `part_stats`;--> statement-breakpoint
ALTER TABLE `__new_part_stats` RENAME TO `part_stats`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `clicks` ADD `part_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `clicks` SET `part_id` = CASE WHEN "series" = 'origins-of-lead-change' AND "part_number" = 1 THEN 'the-opportunity' ELSE 'part-' || "part_number" END;--> statement-breakpoint
ALTER TABLE `responses` ADD `part_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `responses` SET `part_id` = CASE WHEN "series" = 'origins-of-lead-change' AND "part_number" = 1 THEN 'the-opportunity' ELSE 'part-' || "part_number" END;--> statement-breakpoint
DROP INDEX `responses_series_part_updated_idx`;--> statement-breakpoint
CREATE INDEX `responses_series_part_id_updated_idx` ON `responses` (`series`,`part_id`,`updated_at`);--> statement-breakpoint
ALTER TABLE `series_state` ADD `part_ids` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `referral_part_id` text;--> statement-breakpoint
UPDATE `subscribers` SET `referral_part_id` = CASE WHEN `referral_part` = 1 THEN 'the-opportunity' ELSE 'part-' || `referral_part` END WHERE `referral_part` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `last_part_id` text;--> statement-breakpoint
UPDATE `subscriptions` SET `last_part_id` = (SELECT d.`part_id` FROM `deliveries` d WHERE d.`subscription_id` = `subscriptions`.`id` ORDER BY d.`id` DESC LIMIT 1);--> statement-breakpoint
CREATE INDEX `subscriptions_series_idx` ON `subscriptions` (`series`);