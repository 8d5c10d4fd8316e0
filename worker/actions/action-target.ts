import type { Config } from "../config";
import { RESPOND_LINK, type CompiledPart } from "../content/types";
import { resolveUrl } from "../lib/public-url";

/** "0", "1", … "9999" → the link number; anything else → null. */
export const parseLinkNumber = (text: string): number | null => (/^(0|[1-9]\d{0,3})$/.test(text) ? Number(text) : null);

/**
 * Where link n of a part's email leads. Only the compiled part says so (never the request: no open redirect);
 * a response call to action leads to the reader's own response page. Null when the part has no such link.
 */
export function actionTarget(config: Config, part: CompiledPart, n: number, readerToken: string): string | null {
  const link = part.links[n];
  if (link === undefined) return null;
  if (link === RESPOND_LINK) return `${config.publicUrl}/respond/${readerToken}`;
  return resolveUrl(config, link);
}
