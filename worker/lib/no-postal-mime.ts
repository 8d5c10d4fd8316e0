/**
 * The resend SDK imports postal-mime (107 KiB) only to parse a received email's raw MIME (its inbound
 * "receiving" API). We only send, so wrangler.toml aliases that import here and keeps it out of the bundle.
 */
export default {
  parse(): never {
    throw new Error("nextpart does not parse inbound email; postal-mime is not bundled in the Worker");
  },
};
