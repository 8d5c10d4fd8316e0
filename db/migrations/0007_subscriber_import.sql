CREATE TABLE `import_chunks` (
	`job_id` text NOT NULL,
	`chunk` integer NOT NULL,
	`token` text NOT NULL,
	`done_at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `chunk`)
);
--> statement-breakpoint
CREATE TABLE `import_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`total` integer NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT 0 NOT NULL,
	`pending` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`chunks` integer NOT NULL,
	`chunks_done` integer DEFAULT 0 NOT NULL,
	`idempotency_key` text,
	`request_hash` text,
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `import_jobs_idempotency_key_idx` ON `import_jobs` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `import_rows` (
	`job_id` text NOT NULL,
	`row` integer NOT NULL,
	`email` text NOT NULL,
	`outcome` text NOT NULL,
	`message` text,
	PRIMARY KEY(`job_id`, `row`)
);
--> statement-breakpoint
CREATE INDEX `import_rows_job_id_outcome_idx` ON `import_rows` (`job_id`,`outcome`,`row`);--> statement-breakpoint
ALTER TABLE `consents` ADD `source` text;--> statement-breakpoint
ALTER TABLE `consents` ADD `import_job_id` text;