import type { Config } from "../config";

/** The outbox pages exist only while mail goes to the outbox (LOCAL_OUTBOX=1 and no RESEND_API_KEY). */
export const outboxMailerActive = (config: Config) => config.localOutbox && !config.resendApiKey;
