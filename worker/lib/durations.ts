/** Lengths of time in milliseconds, the unit every timestamp in D1 and every clock here uses. */
export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
