CREATE TABLE `clicks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` integer NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`part_number` integer NOT NULL,
	`link` integer NOT NULL,
	`scanner_reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clicks_delivery_id_idx` ON `clicks` (`delivery_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `part_stats` (
	`series` text NOT NULL,
	`part_number` integer NOT NULL,
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
	PRIMARY KEY(`series`, `part_number`)
);
--> statement-breakpoint
CREATE TABLE `responses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` integer NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`part_number` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `responses_delivery_id_idx` ON `responses` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `responses_series_part_updated_idx` ON `responses` (`series`,`part_number`,`updated_at`);--> statement-breakpoint
CREATE INDEX `responses_updated_at_idx` ON `responses` (`updated_at`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`provider_message_id` text,
	`delivery_id` integer,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_events_received_at_idx` ON `webhook_events` (`received_at`);--> statement-breakpoint
ALTER TABLE `deliveries` ADD `delivered_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `opened_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `human_clicked_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `scanner_clicked_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `bounced_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `complained_at` integer;--> statement-breakpoint
CREATE INDEX `deliveries_provider_message_id_idx` ON `deliveries` (`provider_message_id`) WHERE provider_message_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_series_complained_idx` ON `deliveries` (`series`) WHERE complained_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `series_state` ADD `paused_at` integer;--> statement-breakpoint
ALTER TABLE `series_state` ADD `pause_reason` text;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `referrer_id` integer;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `referral_part` integer;--> statement-breakpoint
ALTER TABLE `subscribers` ADD `suppressed_reason` text;