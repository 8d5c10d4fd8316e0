import type { CompiledSeries } from "./types";

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
/** Text and attribute values; characters XML 1.0 forbids (most C0 controls) are dropped, not escaped. */
const x = (value: string) =>
  value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

const isoDate = (day: string) => `${day}T00:00:00Z`;

/**
 * The series' published parts as an Atom 1.0 feed (RFC 4287), newest first; links point at the web views.
 * xml:base resolves the site-relative links inside the parts' bodies.
 */
export function atomFeed(series: CompiledSeries, publicUrl: string): string {
  const index = `${publicUrl}/p/${series.slug}`;
  const parts = [...series.parts].reverse();
  // biome-ignore lint/complexity/useMathMinMax: ISO dates compare as strings; Math.max would make them NaN.
  const updated = parts.reduce((latest, part) => (part.date > latest ? part.date : latest), "1970-01-01");
  const entries = parts.map((part) => {
    const url = `${index}/${part.id}`; // by id: an entry keeps its id and link when parts are inserted or moved
    return `  <entry>
    <title>${x(part.title)}</title>
    <link rel="alternate" type="text/html" href="${x(url)}"/>
    <id>${x(url)}</id>
    <published>${isoDate(part.date)}</published>
    <updated>${isoDate(part.date)}</updated>
    <summary>${x(part.preview)}</summary>
    <content type="html">${x(part.bodyHtml)}</content>
  </entry>
`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${x(`${publicUrl}/`)}">
  <title>${x(series.title)}</title>
  <subtitle>${x(series.description)}</subtitle>
  <link rel="self" type="application/atom+xml" href="${x(`${index}/feed.xml`)}"/>
  <link rel="alternate" type="text/html" href="${x(index)}"/>
  <id>${x(index)}</id>
  <updated>${isoDate(updated)}</updated>
  <author><name>${x(series.author)}</name></author>
${entries.join("")}</feed>
`;
}
