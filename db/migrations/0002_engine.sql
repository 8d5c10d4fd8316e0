CREATE TABLE `provider_slots` (
	`provider` text PRIMARY KEY NOT NULL,
	`next_slot_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `batches` ADD `set_aside_at` integer;--> statement-breakpoint
CREATE INDEX `batches_set_aside_idx` ON `batches` (`status`,`set_aside_at`) WHERE set_aside_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `refusals` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `set_aside_reason` text;