/** Spaces provider calls `1000 / perSecond` ms apart within one invocation (Resend allows 5 requests/s). */
export function createPacer(perSecond: number) {
  const interval = perSecond > 0 ? 1000 / perSecond : 0;
  let next = 0;
  return async function wait() {
    if (interval === 0) return;
    const now = Date.now();
    const slot = Math.max(now, next);
    next = slot + interval;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  };
}
