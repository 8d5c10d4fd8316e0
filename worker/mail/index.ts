import type { Config } from "../config";
import type { Env } from "../env";
import type { Mailer } from "./mailer";
import { createOutboxMailer } from "./outbox-mailer";
import { createResendMailer } from "./resend-mailer";

export type { BatchResult, Mailer, OutgoingEmail } from "./mailer";

/** Resend when RESEND_API_KEY is set; the local outbox otherwise (npm start, tests without a mock). */
export function createMailer(env: Env, config: Config): Mailer {
  return config.resendApiKey
    ? createResendMailer(config.resendApiKey, config.resendBaseUrl)
    : createOutboxMailer(env.DB);
}
