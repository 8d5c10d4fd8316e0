ALTER TABLE `deliveries` ADD `send_hour` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `paused_until` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `send_hour` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `asked_at` integer;--> statement-breakpoint
CREATE INDEX `subscriptions_paused_until_idx` ON `subscriptions` (`paused_until`) WHERE paused_until IS NOT NULL;