/** The vitest plugin's own module: SELF.fetch registers every ctx.waitUntil promise with it. */
declare module "cloudflare:test-internal" {
  export function waitForGlobalWaitUntil(): Promise<void>;
}
