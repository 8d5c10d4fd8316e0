/** @jsxImportSource react */
/** @jsxRuntime automatic */
// (tsx applies no tsconfig to files outside the root one's include, the Worker only: these pragmas choose React's JSX.)
/**
 * Compiles series content into emails/dist/catalog.json: each part is rendered ONCE here, with
 * {{{slot}}} placeholders, so the worker never ships react-dom/prettier and only fills slots.
 *   npx tsx scripts/build-emails.tsx [--series-dir DIR]... [--out FILE]
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { render } from "@react-email/render";
import matter from "gray-matter";
import { z } from "zod";
import {
  RESPOND_LINK,
  SLOT_NAMES,
  type Catalog,
  type CompiledPart,
  type CompiledSeries,
  type CompiledTemplate,
  type SlotName,
} from "../worker/content/types";
import { compareManifests, manifestOf, type CatalogManifest } from "./catalog-manifest";
import { absolutize, markdownToHtml } from "./build-emails/markdown";
import { ContentError, formatDiagnostic, issueDiagnostics, START, type Diagnostic } from "./build-emails/diagnostics";
import {
  frontMatterLayout,
  jsonErrorPosition,
  jsonKeyPosition,
  positionAt,
  positionOf,
  type Position,
} from "./build-emails/source-position";
import { formatWallTime, frontMatterValue, parsePublishDate } from "./build-emails/publish-date";
import ConfirmationEmail, { confirmationSlotProps, confirmationSubject } from "../emails/confirmation";
import SeriesPartEmail, { seriesPartSlotProps } from "../emails/series-part";
import StillReadingEmail, { stillReadingSlotProps, stillReadingSubject } from "../emails/still-reading";

// ---- schemas ---------------------------------------------------------------------------------

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected "HH:MM" (24h)');
const oneLine = z
  .string()
  .trim()
  .min(1)
  .refine((s) => !/[\r\n]/.test(s), "must be one line");

const slugSchema = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase words joined by '-'");

const seriesSchema = z.strictObject({
  slug: slugSchema,
  /** Former slugs: their subscriptions and links keep working (a rename without one is refused). */
  aliases: z.array(slugSchema).optional(),
  title: oneLine,
  description: z.string().trim().min(1),
  cadence: z.string().trim().min(1),
  author: z.string().trim().min(1),
  timezone: z.string().refine(isTimeZone, "not an IANA timezone"),
  sendWindow: z
    .strictObject({
      days: z
        .array(z.number().int().min(1).max(7))
        .min(1)
        .refine((d) => new Set(d).size === d.length, "duplicate day"),
      start: hhmm,
      end: hhmm,
    })
    // Windows that wrap past midnight are not supported: say so here, not at send time.
    .refine((w) => w.start < w.end, "start must be before end (same day)")
    .optional(),
  /** "subscribers": the web archive is for readers only (their token, the parts they received); no feed. */
  archive: z.enum(["public", "subscribers"]).optional(),
  /** The "Still reading?" rule (docs/reengagement.md): off unless set. */
  reengage: z
    .strictObject({
      afterParts: z
        .number({ error: "a whole number of parts, e.g. 4" })
        .int("a whole number of parts, e.g. 4")
        .min(2, "at least 2: asking after every part would mail the question as often as the story")
        .max(100, "at most 100"),
      graceDays: z
        .number({ error: "a whole number of days, e.g. 7" })
        .int("a whole number of days, e.g. 7")
        .min(1, "at least 1 day to answer")
        .max(60, "at most 60 days"),
      countOpens: z.boolean({ error: "true or false" }).optional(),
    })
    .optional(),
});

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** "0", "90m", "12h", "2d", "1w" → milliseconds. */
const delaySchema = z.union([z.literal(0), z.string()]).transform((value, ctx) => {
  const m = /^\s*(\d+)\s*([mhdw])?\s*$/.exec(String(value));
  if (!m || (m[2] === undefined && Number(m[1]) !== 0)) {
    ctx.addIssue({ code: "custom", message: `delay "${value}": use 0 or a number with m/h/d/w, e.g. 2d` });
    return z.NEVER;
  }
  return Number(m[1]) * (m[2] ? UNIT_MS[m[2] as keyof typeof UNIT_MS] : 0);
});

/** YAML turns an unquoted 2024-01-31 into a Date (quote it to have 2024-02-30 rejected); accept both. */
const dateSchema = z.union([z.date(), z.string()]).transform((value, ctx) => {
  const iso = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso) {
    ctx.addIssue({ code: "custom", message: `date "${iso}": expected YYYY-MM-DD` });
    return z.NEVER;
  }
  return iso;
});

const urlSchema = z
  .string()
  .refine(
    (u) => /^https?:\/\/\S+$/.test(u) || /^\/(?!\/)\S*$/.test(u),
    "absolute http(s) URL or a path starting with /",
  );

// Strict: a `number` key is rejected on purpose, the position in the directory is the number.
const frontmatterSchema = z.strictObject({
  /** The part's identity (what a reader has received); defaults to the file name without its NN- prefix. */
  id: slugSchema.optional(),
  title: oneLine,
  subject: oneLine,
  preview: oneLine.max(150, "at most 150 characters (react-email's Preview cut-off)"),
  date: dateSchema,
  /** The release: read from the file's own text (scripts/build-emails/publish-date.ts); YAML only says it is there. */
  publish: z.union([z.date(), z.string()]).optional(),
  delay: delaySchema,
  cta: z.union([
    z.strictObject({ label: oneLine, url: urlSchema }),
    // A response: the button leads to a page on this site where the reader answers the prompt.
    z.strictObject({ label: oneLine, respond: z.strictObject({ prompt: oneLine.max(500) }) }),
  ]),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Every issue of `value`, each at the line of its key (`locate`), or the parsed value. */
function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  locate: (key: string) => Position | undefined,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ContentError(issueDiagnostics(result.error.issues, file, locate));
}

// ---- links -----------------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { amp: "&", quot: '"', lt: "<", gt: ">", "#39": "'" };
const decodeEntities = (value: string) =>
  value.replace(/&(amp|quot|lt|gt|#39);|&#(\d+);|&#x([0-9a-f]+);/gi, (m, name?: string, dec?: string, hex?: string) =>
    name ? (ENTITIES[name.toLowerCase()] ?? m) : String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16)),
  );
/** What an action link may lead to: the redirect serves it as is, so nothing that runs (javascript:, data:). */
const LINK_TARGET = /^(https?:\/\/\S+|mailto:\S+|\/(?!\/)\S*)$/;

/**
 * Every link of the body → "{{{action_url}}}/<n>" (n = 1… in order; 0 is the call to action), so each click
 * is counted and redirected by the worker; the targets are returned in order. In-page anchors stay.
 */
function trackLinks(html: string, source: ContentSource): { html: string; targets: string[] } {
  const targets: string[] = [];
  const tracked = html.replace(
    /(<a\s[^>]*?href=")([^"]*)(")/g,
    (whole, before: string, href: string, after: string) => {
      if (href.startsWith("#")) return whole;
      const target = decodeEntities(href);
      if (!LINK_TARGET.test(target)) {
        throw new ContentError(
          source.file,
          `link "${target}": use an http(s) URL, a mailto: or a path starting with /`,
          source.find(target),
        );
      }
      targets.push(target);
      return `${before}{{{action_url}}}/${targets.length}${after}`;
    },
  );
  return { html: tracked, targets };
}

/** The build's promise to the worker: no raw target in a part email, only tracked links and the footer's slots. */
function checkNoRawLinks(template: CompiledTemplate, file: string) {
  for (const m of template.html.matchAll(/\shref="([^"]*)"/g)) {
    if (
      !/^\{\{\{(action_url|unsubscribe_url|preferences_url|web_url|referral_url)\}\}\}/.test(m[1]!) &&
      !m[1]!.startsWith("#")
    ) {
      throw new ContentError(file, `untracked link ${m[1]} in the email`);
    }
  }
}

// ---- slots -----------------------------------------------------------------------------------

/**
 * Each template accepts only its own slots: a part filled at send time has no confirm link (it would throw then,
 * for every reader), and a confirmation knows nothing of parts. Caught here, naming the file.
 */
const CONFIRMATION_SLOTS: readonly SlotName[] = ["name", "base_url", "confirm_url", "postal_address"];
const STILL_READING_SLOTS: readonly SlotName[] = ["name", "base_url", "keep_url", "unsubscribe_url", "postal_address"];
const PART_SLOTS: readonly SlotName[] = SLOT_NAMES.filter((name) => name !== "confirm_url" && name !== "keep_url");

function checkSlots(template: CompiledTemplate, source: ContentSource, required: SlotName[], allowed = PART_SLOTS) {
  const { file } = source;
  const what =
    allowed === CONFIRMATION_SLOTS
      ? "confirmation"
      : allowed === STILL_READING_SLOTS
        ? '"Still reading?" email'
        : "part";
  for (const [kind, value] of Object.entries(template)) {
    for (const m of value.matchAll(/\{\{\{(.*?)\}\}\}/g)) {
      // Reported where the author wrote it (the first time), not where the rendering put it.
      if (!(SLOT_NAMES as readonly string[]).includes(m[1]!)) {
        throw new ContentError(
          file,
          `unknown slot {{{${m[1]}}}} in the ${kind} (slots: ${allowed.join(", ")})`,
          source.find(m[0]),
        );
      }
      if (!(allowed as readonly string[]).includes(m[1]!)) {
        throw new ContentError(
          file,
          `slot {{{${m[1]}}}} in the ${kind} is not a ${what} slot (a ${what} may use ${allowed.join(", ")})`,
          source.find(m[0]),
        );
      }
    }
  }
  for (const name of required) {
    for (const kind of ["html", "text"] as const) {
      if (!template[kind].includes(slot(name)))
        throw new ContentError(file, `slot {{{${name}}}} lost in the ${kind} rendering`);
    }
  }
}
const slot = (name: SlotName) => `{{{${name}}}}`;

/** `{{name}}` is sent to readers as typed: with a slot's name it is a slot missing a brace, caught here. */
function checkTwoBraceSlots(source: ContentSource) {
  for (const m of source.text.matchAll(/(?<!\{)\{\{\s*([a-z_]+)\s*\}\}(?!\})/g)) {
    if ((SLOT_NAMES as readonly string[]).includes(m[1]!)) {
      throw new ContentError(
        source.file,
        `${m[0]} is not a slot: slots take three braces, {{{${m[1]}}}}`,
        positionAt(source.text, m.index),
      );
    }
  }
}

/** A content file's path and text, and where in it a piece of text first appears (line 1 when nowhere). */
interface ContentSource {
  file: string;
  text: string;
  find(needle: string): Position;
}
function sourceOf(file: string, text: string, from = 0): ContentSource {
  return { file, text, find: (needle) => positionOf(text, needle, from) ?? positionOf(text, needle) ?? START };
}

// ---- rendering -------------------------------------------------------------------------------

const MAX_HTML_BYTES = 100 * 1024; // Gmail clips messages above ~102 KB.

/** The slice of html-to-text's formatter API we use (the package ships no types). */
interface TextBuilder {
  openBlock(options: { leadingLineBreaks: number }): void;
  closeBlock(options: { trailingLineBreaks: number }): void;
  addInline(text: string, options?: { noWordTransform: boolean }): void;
}
type TextElement = { attribs: Record<string, string>; children: unknown[] };

const textOptions = {
  formatters: {
    // Buttons and footer links become "Label: URL" on a line of their own.
    labeledLink(elem: TextElement, walk: (nodes: unknown[], builder: TextBuilder) => void, builder: TextBuilder) {
      builder.openBlock({ leadingLineBreaks: 2 });
      walk(elem.children, builder);
      builder.addInline(`: ${elem.attribs.href ?? ""}`, { noWordTransform: true });
      builder.closeBlock({ trailingLineBreaks: 2 });
    },
  },
  selectors: [
    { selector: 'a[data-text="labeled"]', format: "labeledLink" },
    // The referral link shows its own URL as its text: print it once.
    { selector: 'a[data-text="bare"]', format: "anchor", options: { ignoreHref: true } },
    // Keep headings as written (html-to-text upper-cases them by default).
    ...["h1", "h2", "h3", "h4"].map((selector) => ({
      selector,
      options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 2 },
    })),
  ],
};

async function renderTemplate(element: React.ReactElement, subject: string, file: string): Promise<CompiledTemplate> {
  const html = await render(element);
  const text = await render(element, { plainText: true, htmlToTextOptions: textOptions });
  const bytes = Buffer.byteLength(html);
  if (bytes > MAX_HTML_BYTES)
    throw new ContentError(file, `email html is ${bytes} bytes; mail clients clip above ${MAX_HTML_BYTES}`);
  return { subject, html, text };
}

// ---- series ----------------------------------------------------------------------------------

const PART_FILE = /^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;

/** A part not out with the deploy: where its release is written (line 1 when it goes out with an earlier part's). */
interface ScheduledPart {
  file: string;
  at: Position;
  part: CompiledPart;
  releaseAt: number;
  /** The number of the part whose `publish` it is released with, when not its own. */
  withPart?: number;
}

async function buildSeries(dir: string): Promise<{ series: CompiledSeries; scheduled: ScheduledPart[] }> {
  const metaFile = join(dir, "series.json");
  const metaText = existsSync(metaFile) ? readFileSync(metaFile, "utf8") : undefined;
  if (metaText === undefined) throw new ContentError(metaFile, "missing: every series folder has a series.json");
  let rawMeta: unknown;
  try {
    rawMeta = JSON.parse(metaText);
  } catch (error) {
    const message = (error as Error).message;
    throw new ContentError(metaFile, message, jsonErrorPosition(metaText, message));
  }
  const metaKey = (key: string) => jsonKeyPosition(metaText, key);
  const meta = parseWith(seriesSchema, rawMeta, metaFile, metaKey);
  const dirName = dir.split(/[\\/]/).filter(Boolean).at(-1);
  if (meta.slug !== dirName)
    throw new ContentError(metaFile, `slug "${meta.slug}" must equal the directory name "${dirName}"`, metaKey("slug"));

  // Byte order, not locale order: the same on every machine.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (files.length === 0) throw new ContentError(dir, "no parts (NN-slug.md files)");

  // Every part is checked, so an author sees all of a series' problems in one build.
  const problems: Diagnostic[] = [];
  const built: { file: string; part: CompiledPart; publish?: { at: number; where: Position } }[] = [];
  const byId = new Map<string, { file: string; at: Position }>();
  const byNumber = new Map<number, string>();
  for (const [index, fileName] of files.entries()) {
    const file = join(dir, fileName);
    try {
      const match = PART_FILE.exec(fileName);
      if (!match) throw new ContentError(file, "part files are named NN-slug.md (lowercase slug)");
      // Two files with one NN- prefix: which comes first would hang on their slugs' spelling.
      const sameNumber = byNumber.get(Number(match[1]));
      if (sameNumber !== undefined) {
        throw new ContentError([
          {
            file,
            ...START,
            message: `part number ${Number(match[1])} is also the number of ${basename(sameNumber)}: give each part its own NN- prefix`,
          },
          { file: sameNumber, ...START, message: `the other part numbered ${Number(match[1])}` },
        ]);
      }
      byNumber.set(Number(match[1]), file);
      const part = await buildPart(file, readFileSync(file, "utf8"), match[2]!, index + 1, meta);
      const twin = byId.get(part.id);
      if (twin) {
        throw new ContentError([
          {
            file,
            ...part.idAt,
            message: `part id "${part.id}" is also the id of ${basename(twin.file)}: ids are unique within a series (set \`id\` in the front matter)`,
          },
          { file: twin.file, ...twin.at, message: `the other part with id "${part.id}"` },
        ]);
      }
      byId.set(part.id, { file, at: part.idAt });
      built.push({ file, part: part.compiled, publish: part.publish });
    } catch (error) {
      if (!(error instanceof ContentError)) throw error;
      problems.push(...error.diagnostics);
    }
  }
  if (problems.length > 0) throw new ContentError(problems);
  const scheduled = resolveReleases(built, meta.timezone);
  const parts = built.map((b) => b.part);

  const confirmation = await renderTemplate(
    <ConfirmationEmail
      {...confirmationSlotProps}
      seriesTitle={meta.title}
      description={meta.description}
      cadence={meta.cadence}
    />,
    confirmationSubject(meta.title),
    metaFile,
  );
  checkSlots(confirmation, sourceOf(metaFile, metaText), ["name", "confirm_url", "postal_address"], CONFIRMATION_SLOTS);
  const reengage = meta.reengage && {
    afterParts: meta.reengage.afterParts,
    graceDays: meta.reengage.graceDays,
    countOpens: meta.reengage.countOpens ?? false,
    email: await renderTemplate(
      <StillReadingEmail
        {...stillReadingSlotProps}
        seriesTitle={meta.title}
        afterParts={meta.reengage.afterParts}
        graceDays={meta.reengage.graceDays}
      />,
      stillReadingSubject(meta.title),
      metaFile,
    ),
  };
  if (reengage)
    checkSlots(
      reengage.email,
      sourceOf(metaFile, metaText),
      ["name", "keep_url", "unsubscribe_url", "postal_address"],
      STILL_READING_SLOTS,
    );

  // Fixed key order (the contract's), so the JSON is byte-identical for the same input.
  const series: CompiledSeries = {
    slug: meta.slug,
    aliases: meta.aliases ?? [],
    title: meta.title,
    description: meta.description,
    cadence: meta.cadence,
    author: meta.author,
    timezone: meta.timezone,
    ...(meta.sendWindow && { sendWindow: meta.sendWindow }),
    ...(meta.archive === "subscribers" && { archive: meta.archive }),
    parts,
    confirmation,
    // Only when set: a series without the rule compiles exactly as before.
    ...(reengage && { reengage }),
  };
  return { series, scheduled };
}

/**
 * Parts are released in order, so a release only ever adds parts at the end of what readers can get: a part
 * without `publish` goes out with the scheduled part before it, and a `publish` earlier than that part's is
 * refused. Sets each such part's publishAt; returns them all (the build lists those still ahead).
 */
function resolveReleases(
  built: { file: string; part: CompiledPart; publish?: { at: number; where: Position } }[],
  zone: string,
): ScheduledPart[] {
  const scheduled: ScheduledPart[] = [];
  const problems: Diagnostic[] = [];
  let release: { at: number; number: number; file: string } | undefined;
  for (const { file, part, publish } of built) {
    if (publish && release && publish.at < release.at) {
      problems.push({
        file,
        ...publish.where,
        message: `publish ${formatWallTime(publish.at, zone)} is before the release of part ${release.number} (${basename(release.file)}, ${formatWallTime(release.at, zone)}): parts are released in order`,
      });
      continue;
    }
    if (publish) release = { at: publish.at, number: part.number, file };
    if (!release) continue;
    part.publishAt = new Date(release.at).toISOString();
    const own = release.number === part.number;
    scheduled.push({
      file,
      at: own ? publish!.where : START,
      part,
      releaseAt: release.at,
      ...(!own && { withPart: release.number }),
    });
  }
  if (problems.length > 0) throw new ContentError(problems);
  return scheduled;
}

/** One part file: its front matter checked key by key, its body rendered and checked, each problem at its line. */
async function buildPart(
  file: string,
  text: string,
  slug: string,
  number: number,
  meta: { title: string; timezone: string },
) {
  const layout = frontMatterLayout(text);
  let parsed: ReturnType<typeof matter>;
  try {
    parsed = matter(text);
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number }; reason?: string }).mark;
    // The YAML text begins on the `---` line: its line n is the file's line n + 1.
    const at = mark ? { line: mark.line + 1, col: mark.column + 1 } : START;
    throw new ContentError(
      file,
      `front matter: ${(error as { reason?: string }).reason ?? (error as Error).message}`,
      at,
    );
  }
  const fm = parseWith(frontmatterSchema, parsed.data, file, (key) => layout.keys.get(key));
  const publish =
    fm.publish === undefined ? undefined : publishOf(file, text, layout.keys.get("publish"), meta.timezone);
  const source = sourceOf(file, text, layout.bodyOffset);
  if (!parsed.content.trim()) throw new ContentError(file, "empty body", positionAt(text, layout.bodyOffset));
  checkTwoBraceSlots(source);

  const bodyHtml = markdownToHtml(parsed.content);
  const body = trackLinks(bodyHtml, source);
  const element = (
    <SeriesPartEmail
      {...seriesPartSlotProps}
      seriesTitle={meta.title}
      number={number}
      title={fm.title}
      preview={fm.preview}
      bodyHtml={absolutize(body.html)}
      ctaLabel={fm.cta.label}
    />
  );
  const email = await renderTemplate(element, fm.subject, file);
  checkSlots(email, source, [
    "name",
    "unsubscribe_url",
    "preferences_url",
    "web_url",
    "action_url",
    "referral_url",
    "postal_address",
  ]);
  checkNoRawLinks(email, file);
  const id = fm.id ?? slug;
  const compiled: CompiledPart = {
    id,
    number,
    slug,
    title: fm.title,
    subject: fm.subject,
    preview: fm.preview,
    date: fm.date,
    delayMs: fm.delay,
    cta: fm.cta,
    links: ["url" in fm.cta ? fm.cta.url : RESPOND_LINK, ...body.targets],
    bodyHtml,
    email,
  };
  return { id, idAt: layout.keys.get("id") ?? START, compiled, publish };
}

/** The instant a part's `publish` line names (see publish-date.ts for its three forms), or its diagnostic. */
function publishOf(file: string, text: string, where: Position | undefined, zone: string) {
  if (!where) throw new ContentError(file, "publish: write it as `publish: YYYY-MM-DD` on a line of its own");
  const date = parsePublishDate(frontMatterValue(text.split("\n")[where.line - 1]!), zone);
  if (!date.ok) throw new ContentError(file, date.message, where);
  return { at: date.at, where };
}

async function main() {
  const { values } = parseArgs({
    options: {
      "series-dir": { type: "string", multiple: true },
      out: { type: "string" },
      manifest: { type: "string" },
    },
  });
  const roots = values["series-dir"] ?? ["emails/series"];
  const out = values.out ?? "emails/dist/catalog.json";
  // The real catalog is compared with its committed manifest; a build of other folders only when asked.
  const manifestFile = values.manifest ?? (values["series-dir"] ? undefined : "emails/catalog-manifest.json");

  const series: CompiledSeries[] = [];
  const scheduled: { series: CompiledSeries; part: ScheduledPart }[] = [];
  const seriesDirs = new Map<string, string>();
  const problems: Diagnostic[] = [];
  for (const root of roots) {
    const dirs = readdirSync(root)
      .filter((d) => statSync(join(root, d)).isDirectory())
      .sort();
    for (const d of dirs) {
      try {
        const { series: compiled, scheduled: later } = await buildSeries(join(root, d));
        const twin = seriesDirs.get(compiled.slug);
        if (twin) {
          const slugAt = (dir: string) =>
            jsonKeyPosition(readFileSync(join(dir, "series.json"), "utf8"), "slug") ?? START;
          throw new ContentError([
            {
              file: join(root, d, "series.json"),
              ...slugAt(join(root, d)),
              message: `duplicate series slug "${compiled.slug}" (also in ${twin})`,
            },
            {
              file: join(twin, "series.json"),
              ...slugAt(twin),
              message: `the other series with slug "${compiled.slug}"`,
            },
          ]);
        }
        seriesDirs.set(compiled.slug, join(root, d));
        series.push(compiled);
        scheduled.push(...later.map((part) => ({ series: compiled, part })));
      } catch (error) {
        if (!(error instanceof ContentError)) throw error;
        problems.push(...error.diagnostics);
      }
    }
  }
  if (problems.length > 0) throw new ContentError(problems);
  series.sort((a, b) => (a.slug < b.slug ? -1 : 1));

  if (manifestFile) {
    const next = manifestOf(series);
    const previous = existsSync(manifestFile)
      ? (JSON.parse(readFileSync(manifestFile, "utf8")) as CatalogManifest)
      : null;
    const { changes, errors } = compareManifests(previous, next);
    if (errors.length > 0) throw new ContentError(errors.map((message) => ({ file: manifestFile, ...START, message })));
    for (const change of changes) console.log(`catalog change: ${change}`);
    writeFileSync(manifestFile, `${JSON.stringify(next, null, 2)}\n`);
  }

  const body = JSON.stringify(series);
  const catalog: Catalog = { version: createHash("sha256").update(body).digest("hex").slice(0, 16), series };
  const json = `${JSON.stringify(catalog, null, 2)}\n`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, json);

  for (const s of series) {
    const html = s.parts.map((p) => Buffer.byteLength(p.email.html));
    console.log(
      `${s.slug}: ${s.parts.length} part(s), ${Buffer.byteLength(JSON.stringify(s))} bytes` +
        ` (part html ${Math.min(...html)}–${Math.max(...html)} bytes)`,
    );
  }
  console.log(`${out}: ${Buffer.byteLength(json)} bytes, version ${catalog.version}`);
  // Parts still ahead as of this build, in the diagnostics' form so editors link to the `publish` line.
  const now = Date.now();
  for (const { series: s, part: p } of scheduled) {
    if (p.releaseAt <= now) continue;
    const when = `${formatWallTime(p.releaseAt, s.timezone)} (${new Date(p.releaseAt).toISOString()})`;
    const how = p.withPart === undefined ? "" : ` with part ${p.withPart}`;
    console.log(
      formatDiagnostic({
        file: p.file,
        ...p.at,
        message: `scheduled: part ${p.part.number} "${p.part.title}" is released${how} at ${when}`,
      }),
    );
  }
}

main().catch((error: unknown) => {
  if (error instanceof ContentError) {
    for (const diagnostic of error.diagnostics) console.error(formatDiagnostic(diagnostic));
    console.error(`build-emails: ${error.diagnostics.length} problem(s); nothing was written`);
  } else console.error("build-emails:", error);
  process.exit(1);
});
