/** Values every workerd test sees; they override .dev.vars, which must never leak into tests. */
export const testBindings = {
  ADMIN_TOKEN: "test-admin-token",
  // A ring as after one rotation: "t2" signs, "t1" still verifies.
  SIGNING_KEYS: "t2:test-signing-key-t2-0123456789abcdef,t1:test-signing-key-t1-0123456789abcdef",
  HASH_SECRET: "test-hash-secret-0123456789abcdefgh",
  RESEND_API_KEY: "",
  PUBLIC_URL: "https://news.example.com",
  UNSUBSCRIBE_MAILTO: "unsubscribe@example.com",
  TURNSTILE_SECRET: "",
  PROVIDER_RPS: "0",
  // Every test signs up at example.com: the hourly caps are tested with their own values (signup-mailbox.test.ts).
  CONFIRMATIONS_PER_DOMAIN_PER_HOUR: "1000000",
  CONFIRMATIONS_PER_HOUR: "1000000",
  // A local run: mail without RESEND_API_KEY goes to the outbox table (a deployed Worker refuses that).
  LOCAL_OUTBOX: "1",
  RESEND_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm",
};
