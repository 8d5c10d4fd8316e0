CREATE TABLE `reading_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscription_id` integer NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`delivery_id` integer NOT NULL,
	`quiet_parts` integer NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`first_tried_at` integer,
	`next_at` integer,
	`error` text,
	`provider_message_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`answered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reading_checks_open_idx` ON `reading_checks` (`subscription_id`) WHERE status IN ('queued', 'sent');--> statement-breakpoint
CREATE INDEX `reading_checks_next_at_idx` ON `reading_checks` (`status`,`next_at`) WHERE status IN ('queued', 'sent');--> statement-breakpoint
CREATE INDEX `reading_checks_subscriber_id_idx` ON `reading_checks` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `reading_checks_provider_message_id_idx` ON `reading_checks` (`provider_message_id`) WHERE provider_message_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `series_days` ADD `reengage_asked` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `series_days` ADD `reengage_kept` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `series_days` ADD `reengage_paused` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `quiet_parts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `signal_at` integer;