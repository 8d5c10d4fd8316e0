/**
 * The resend SDK imports @react-email/render lazily, only to render a `react:` payload. We send compiled
 * HTML, so wrangler.toml aliases that import here and keeps react-dom and prettier out of the bundle.
 */
export function render(): never {
  throw new Error("nextpart sends pre-compiled HTML; react rendering is not bundled in the Worker");
}
