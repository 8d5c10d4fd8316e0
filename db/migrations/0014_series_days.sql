CREATE TABLE `series_days` (
	`series` text NOT NULL,
	`day` text NOT NULL,
	`signups` integer DEFAULT 0 NOT NULL,
	`confirmations` integer DEFAULT 0 NOT NULL,
	`unsubscribes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`series`, `day`)
);
