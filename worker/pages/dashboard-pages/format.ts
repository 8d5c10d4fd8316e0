/** "2026-11-30 07:01 UTC": one way to show a time across the dashboard (epoch ms or ISO text). */
export function when(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return "—";
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? "—" : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** When a part written ahead is released, while that is still ahead of `now`; null once it is out (or never scheduled). */
export const scheduledFor = (publishAt: string | null | undefined, now: number): string | null =>
  publishAt != null && Date.parse(publishAt) > now ? when(publishAt) : null;

export const count = (n: number) => n.toLocaleString("en-US");
