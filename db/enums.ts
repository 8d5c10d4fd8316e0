/**
 * The values each status and outcome column may hold: plain lists with no drizzle in them, so the Worker can
 * import them (for validation and the API's document) without bundling the schema's table definitions.
 */
export const subscriberStatuses = ["pending", "active", "paused", "unsubscribed", "bounced", "complained"] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

export const subscriptionStatuses = ["pending", "active", "paused", "stopped"] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

export const batchStatuses = ["claimed", "sent", "failed", "failed_after_unknown", "dead"] as const;
export type BatchStatus = (typeof batchStatuses)[number];

export const deliveryStatuses = ["claimed", "sent", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const readingCheckStatuses = ["queued", "sent", "kept", "read", "paused", "closed", "failed"] as const;
export type ReadingCheckStatus = (typeof readingCheckStatuses)[number];

export const importJobStatuses = ["queued", "running", "done", "failed"] as const;
export type ImportJobStatus = (typeof importJobStatuses)[number];

export const importOutcomes = ["active", "pending", "duplicate", "suppressed", "invalid"] as const;
export type ImportOutcome = (typeof importOutcomes)[number];
