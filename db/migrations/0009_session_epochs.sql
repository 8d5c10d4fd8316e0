CREATE TABLE `session_epochs` (
	`name` text PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL,
	`changed_at` integer NOT NULL
);
