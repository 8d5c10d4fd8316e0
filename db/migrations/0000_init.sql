CREATE TABLE `batches` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text DEFAULT 'claimed' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `batches_lease_until_idx` ON `batches` (`lease_until`) WHERE status = 'claimed';--> statement-breakpoint
CREATE TABLE `consents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`form` text NOT NULL,
	`consent_text_version` text NOT NULL,
	`ip_hash` text,
	`user_agent_hash` text,
	`created_at` integer NOT NULL,
	`confirmed_at` integer,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `consents_subscriber_id_idx` ON `consents` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscription_id` integer NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`part_number` integer NOT NULL,
	`batch_id` text NOT NULL,
	`status` text DEFAULT 'claimed' NOT NULL,
	`to_email` text NOT NULL,
	`to_name` text,
	`timezone` text,
	`provider_message_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_subscription_id_part_number_idx` ON `deliveries` (`subscription_id`,`part_number`);--> statement-breakpoint
CREATE INDEX `deliveries_batch_id_idx` ON `deliveries` (`batch_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscriber_id` integer,
	`delivery_id` integer,
	`type` text NOT NULL,
	`data` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`delivery_id`) REFERENCES `deliveries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `events_subscriber_id_idx` ON `events` (`subscriber_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `events_delivery_id_idx` ON `events` (`delivery_id`);--> statement-breakpoint
CREATE INDEX `events_type_created_at_idx` ON `events` (`type`,`created_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text,
	`from` text NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`html` text NOT NULL,
	`text` text NOT NULL,
	`headers` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_created_at_idx` ON `outbox` (`created_at`);--> statement-breakpoint
CREATE INDEX `outbox_idempotency_key_idx` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `series_state` (
	`series` text PRIMARY KEY NOT NULL,
	`part_count` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscribers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`email_key` text NOT NULL,
	`name` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`timezone` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`confirmed_at` integer,
	`unsubscribed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscribers_email_key_idx` ON `subscribers` (`email_key`);--> statement-breakpoint
CREATE INDEX `subscribers_status_idx` ON `subscribers` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subscriber_id` integer NOT NULL,
	`series` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`next_part` integer DEFAULT 1 NOT NULL,
	`due_at` integer,
	`batch_id` text,
	`last_sent_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`subscriber_id`) REFERENCES `subscribers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_subscriber_id_series_idx` ON `subscriptions` (`subscriber_id`,`series`);--> statement-breakpoint
CREATE INDEX `subscriptions_due_at_idx` ON `subscriptions` (`due_at`) WHERE status = 'active' AND batch_id IS NULL AND due_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `subscriptions_batch_id_idx` ON `subscriptions` (`batch_id`) WHERE batch_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `subscriptions_series_caught_up_idx` ON `subscriptions` (`series`,`next_part`) WHERE status = 'active' AND due_at IS NULL AND batch_id IS NULL;