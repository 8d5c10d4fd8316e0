ALTER TABLE `consents` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `consents` ADD `pending_name` text;--> statement-breakpoint
ALTER TABLE `consents` ADD `pending_timezone` text;--> statement-breakpoint
ALTER TABLE `consents` ADD `email_status` text;--> statement-breakpoint
ALTER TABLE `consents` ADD `email_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `consents` ADD `email_next_at` integer;--> statement-breakpoint
ALTER TABLE `consents` ADD `email_error` text;--> statement-breakpoint
CREATE INDEX `consents_email_next_at_idx` ON `consents` (`email_next_at`) WHERE email_status = 'queued';