CREATE TABLE `delivery_archive` (
	`first_id` integer PRIMARY KEY NOT NULL,
	`part_ref` integer NOT NULL,
	`sent_at` integer NOT NULL,
	`subscription_ids` blob NOT NULL
);
--> statement-breakpoint
CREATE INDEX `delivery_archive_part_ref_idx` ON `delivery_archive` (`part_ref`);--> statement-breakpoint
CREATE TABLE `part_refs` (
	`id` integer PRIMARY KEY NOT NULL,
	`series` text NOT NULL,
	`part_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `part_refs_part_id_series_idx` ON `part_refs` (`part_id`,`series`);--> statement-breakpoint
CREATE TABLE `received_parts` (
	`subscription_id` integer PRIMARY KEY NOT NULL,
	`parts` text NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `batches_sent_at_idx` ON `batches` (`sent_at`) WHERE status = 'sent';--> statement-breakpoint
CREATE INDEX `clicks_created_at_idx` ON `clicks` (`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_subscriber_id_idx` ON `deliveries` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `import_jobs_finished_at_idx` ON `import_jobs` (`finished_at`) WHERE finished_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `responses_subscriber_id_idx` ON `responses` (`subscriber_id`);--> statement-breakpoint
CREATE INDEX `subscribers_pending_created_at_idx` ON `subscribers` (`created_at`) WHERE status = 'pending';--> statement-breakpoint
-- Hand-written: the database itself refuses a delivery of a part the reader received before the live window,
-- as deliveries_subscription_id_part_id_idx refuses one within it (a rebuild of `deliveries` must recreate it).
CREATE TRIGGER `deliveries_received_parts_once` BEFORE INSERT ON `deliveries`
WHEN EXISTS (SELECT 1 FROM `received_parts` rp JOIN `part_refs` r ON r.part_id = NEW.part_id
  WHERE rp.subscription_id = NEW.subscription_id AND (rp.parts GLOB ('*,' || r.id || '[a-z]*')))
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: received_parts (this reader already received this part)');
END;
