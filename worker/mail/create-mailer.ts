import { ConfigError, type Config } from "../config";
import type { Env } from "../env";
import type { Mailer } from "./mailer";
import { createOutboxMailer } from "./outbox-mailer";
import { createResendMailer } from "./resend-mailer";

export type { BatchResult, Mailer, OutgoingEmail } from "./mailer";

/** Mail goes to the local outbox table: LOCAL_OUTBOX=1 (npm start, tests) and no RESEND_API_KEY. */
export const sendsToOutbox = (config: Config) => config.localOutbox && !config.resendApiKey;

/** Resend when RESEND_API_KEY is set; the local outbox only when LOCAL_OUTBOX=1 (npm start, tests). */
export function createMailer(env: Env, config: Config): Mailer {
  if (sendsToOutbox(config)) return createOutboxMailer(env.DB);
  if (config.resendApiKey) return createResendMailer(config.resendApiKey, config.resendBaseUrl);
  // readConfig already refuses this combination; kept so no path can ever "send" into a deployed outbox.
  throw new ConfigError(["RESEND_API_KEY is not set and LOCAL_OUTBOX is not 1"]);
}
