import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import matter from "gray-matter";
import { PreviewProps as confirmationSample } from "../../emails/confirmation";
import { PreviewProps as partSample, type SeriesPartProps } from "../../emails/series-part";
import { PreviewProps as stillReadingSample } from "../../emails/still-reading";
import { absolutize, markdownToHtml } from "../build-emails/markdown";

/**
 * One small .tsx per part (and one confirmation per series) for react-email's preview server (`email dev
 * --dir`): each renders the real template with that part's content and sample reader values (PreviewProps).
 * Generated, git-ignored: the Markdown stays the only source. The build (npm run build:emails) is what checks
 * a part; here a part that cannot be read is reported and left out, so the others can still be previewed.
 */
const SAMPLE_ORIGIN = "https://example.com";
const PART_FILE = /^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$/;

export interface GeneratedPreviews {
  /** Paths of the generated .tsx files, relative to the output folder. */
  files: string[];
  /** `path: message` for each file left out. */
  problems: string[];
}

/**
 * Writes only what changed and removes what is gone: the preview server watches this folder, and a file
 * rewritten as it was would reload every open preview.
 */
export function generatePreviews(options: {
  seriesRoots: string[];
  outDir: string;
  templatesDir: string;
}): GeneratedPreviews {
  const { outDir } = options;
  mkdirSync(outDir, { recursive: true });
  const result: GeneratedPreviews = { files: [], problems: [] };
  for (const root of options.seriesRoots) {
    for (const slug of readdirSync(root).sort()) {
      const dir = path.join(root, slug);
      if (!statSync(dir).isDirectory() || !existsSync(path.join(dir, "series.json"))) continue;
      generateSeries(dir, slug, options.templatesDir, outDir, result);
    }
  }
  const kept = new Set(result.files);
  for (const file of readdirSync(outDir, { recursive: true, encoding: "utf8" })) {
    if (file.endsWith(".tsx") && !kept.has(file)) rmSync(path.join(outDir, file));
  }
  return result;
}

function generateSeries(dir: string, slug: string, templatesDir: string, outDir: string, result: GeneratedPreviews) {
  let meta: {
    title?: string;
    description?: string;
    cadence?: string;
    reengage?: { afterParts?: number; graceDays?: number };
  };
  try {
    meta = JSON.parse(readFileSync(path.join(dir, "series.json"), "utf8")) as typeof meta;
  } catch (error) {
    result.problems.push(`${path.join(dir, "series.json")}: ${(error as Error).message}`);
    return;
  }
  const seriesTitle = meta.title ?? slug;
  const write = (name: string, template: string, props: object, source: string) => {
    const file = path.join(outDir, slug, `${name}.tsx`);
    const text = previewModule(path.relative(path.dirname(file), path.join(templatesDir, template)), props, source);
    mkdirSync(path.dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
    result.files.push(path.relative(outDir, file));
  };

  write(
    "confirmation",
    "confirmation",
    {
      ...confirmationSample,
      seriesTitle,
      description: meta.description ?? confirmationSample.description,
      cadence: meta.cadence ?? confirmationSample.cadence,
    },
    path.join(dir, "series.json"),
  );
  // The "Still reading?" email of a series that has the rule (docs/reengagement.md).
  if (meta.reengage) {
    write(
      "still-reading",
      "still-reading",
      {
        ...stillReadingSample,
        seriesTitle,
        afterParts: meta.reengage.afterParts ?? stillReadingSample.afterParts,
        graceDays: meta.reengage.graceDays ?? stillReadingSample.graceDays,
      },
      path.join(dir, "series.json"),
    );
  }

  // Byte order, as the build numbers them.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  files.forEach((fileName, index) => {
    const file = path.join(dir, fileName);
    const match = PART_FILE.exec(fileName);
    if (!match) {
      result.problems.push(`${file}: part files are named NN-slug.md`);
      return;
    }
    let parsed: ReturnType<typeof matter>;
    try {
      parsed = matter(readFileSync(file, "utf8"));
    } catch (error) {
      result.problems.push(
        `${file}: front matter: ${(error as { reason?: string }).reason ?? (error as Error).message}`,
      );
      return;
    }
    const fm = parsed.data as { title?: unknown; preview?: unknown; cta?: { label?: unknown } };
    const number = index + 1;
    const props: SeriesPartProps = {
      ...partSample,
      seriesTitle,
      number,
      title: String(fm.title ?? "(no title)"),
      preview: String(fm.preview ?? ""),
      bodyHtml: withSampleSlots(absolutize(markdownToHtml(parsed.content)), slug, number),
      ctaLabel: String(fm.cta?.label ?? "(no call to action)"),
      webUrl: `${SAMPLE_ORIGIN}/p/${slug}/${number}`,
      referralUrl: `${SAMPLE_ORIGIN}/s/${slug}?ref=1.preview`,
    };
    write(fileName.replace(/\.md$/, ""), "series-part", props, file);
  });
}

/** Slots an author wrote in a body, filled as for the sample reader. */
function withSampleSlots(html: string, slug: string, number: number) {
  const samples: Record<string, string> = {
    base_url: SAMPLE_ORIGIN,
    name: partSample.name,
    web_url: `${SAMPLE_ORIGIN}/p/${slug}/${number}`,
    unsubscribe_url: partSample.unsubscribeUrl,
    preferences_url: partSample.preferencesUrl,
    referral_url: `${SAMPLE_ORIGIN}/s/${slug}?ref=1.preview`,
    postal_address: partSample.postalAddress,
    action_url: `${SAMPLE_ORIGIN}/a/1.preview`,
  };
  return html.replace(/\{\{\{(\w+)\}\}\}/g, (whole, name: string) => samples[name] ?? whole);
}

/** The module react-email loads: the template, its props as JSON literals (so content is data, never code). */
function previewModule(templateImport: string, props: object, source: string) {
  const specifier = templateImport.startsWith(".") ? templateImport : `./${templateImport}`;
  return `/** @jsxImportSource react */
/** @jsxRuntime automatic */
// Generated by \`npm run emails:preview\` from ${JSON.stringify(path.relative(process.cwd(), source))}: edit that file, not this one.
import Email from ${JSON.stringify(specifier.split(path.sep).join("/"))};

export const PreviewProps = ${JSON.stringify(props, null, 2)};

export default function Preview(props: typeof PreviewProps) {
  return <Email {...props} />;
}
Preview.PreviewProps = PreviewProps;
`;
}
