import type { AppDeps } from "../app-deps";

/** Server-side Turnstile check (there is no binding: POST to siteverify); false when the deployment has no secret. */
export async function verifyTurnstile(
  deps: Pick<AppDeps, "config">,
  { token, ip }: { token: string | undefined; ip: string | undefined },
): Promise<boolean> {
  const secret = deps.config.turnstileSecret;
  if (!secret || !token) return false;
  const body = new FormData();
  body.set("secret", secret);
  body.set("response", token);
  if (ip) body.set("remoteip", ip);
  try {
    const response = await fetch("https://challenges.cloudflare.com/turnstile/v0/siteverify", { method: "POST", body });
    const outcome = (await response.json()) as { success?: boolean };
    return outcome.success === true;
  } catch {
    return false;
  }
}
