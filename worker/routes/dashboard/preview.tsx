import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { findPart, findSeries } from "../../content/catalog";
import { AppError } from "../../errors";
import { PreviewPage, type TestSendOutcome } from "../../pages/dashboard-pages/preview-page";
import { composeSampleEmail, SAMPLE_READER } from "../../previews/sample-email";
import { sendTestEmail, TEST_SENDS_PER_MINUTE } from "../../previews/test-send";
import { emailAddressSchema } from "../../subscribers/email-address";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { readForm } from "./reader-ref";
import { formSeries, seriesParts } from "./series-choice";

/** Preview a part exactly as it is sent (the API's verb) and send it as a test, within the team-wide limit. */
export const previewRoutes = new Hono<DashboardEnv>();

const partSchema = z.string().regex(/^[1-9]\d{0,3}$/);

/** The series and part a query or form names: a slug of the catalog and one of its parts (else 400 / 404). */
function selection(rawSeries: unknown, rawPart: unknown) {
  const slug = formSeries(rawSeries);
  if (!slug) return null;
  const series = findSeries(slug)!;
  const number = rawPart === undefined || rawPart === "" ? "1" : rawPart;
  if (!partSchema.safeParse(number).success)
    throw new AppError("BAD_REQUEST", "part: must be a part number (1, 2, …).");
  const part = findPart(series, Number(number));
  if (!part)
    throw new AppError(
      "NOT_FOUND",
      `"${series.title}" has ${series.parts.length} part(s): there is no part ${Number(number)}.`,
    );
  return { series, part };
}

async function renderPreview(
  c: Context<DashboardEnv>,
  picked: ReturnType<typeof selection>,
  extra: { to?: string; outcome?: TestSendOutcome } = {},
  status: ContentfulStatusCode = 200,
) {
  const email = picked ? composeSampleEmail(c.var.deps, { series: picked.series, part: picked.part }) : null;
  const chosen = picked ? { series: picked.series.slug, part: picked.part.number } : null;
  c.header("cache-control", "private, no-store");
  return c.html(
    <PreviewPage
      {...pageProps(c, "preview")}
      catalog={seriesParts()}
      chosen={chosen}
      email={email}
      sampleReader={SAMPLE_READER}
      now={c.var.deps.clock()}
      {...extra}
    />,
    status,
  );
}

// Opened from the nav, it shows something at once: the default series' first part.
previewRoutes.get("/preview", (c) =>
  renderPreview(c, selection(c.req.query("series") ?? c.var.deps.config.defaultSeries, c.req.query("part"))),
);

previewRoutes.post("/preview/test-send", async (c) => {
  const body = await readForm(c);
  const picked = selection(body.series, body.part);
  if (!picked) throw new AppError("BAD_REQUEST", "series: choose the series of the part to send.");
  const typed = (body.to ?? "").slice(0, 400);
  const to = emailAddressSchema.safeParse(typed);
  if (!to.success)
    return renderPreview(
      c,
      picked,
      { to: typed, outcome: { ok: false, message: `Address: ${to.error.issues[0]!.message}` } },
      400,
    );
  const result = await sendTestEmail(c.var.deps, {
    to: to.data,
    series: picked.series,
    part: picked.part,
  });
  switch (result.kind) {
    case "sent":
      return renderPreview(c, picked, {
        to: to.data,
        outcome: { ok: true, message: `Sent “${result.subject}” to ${to.data}.` },
      });
    case "rate_limited":
      return renderPreview(
        c,
        picked,
        {
          to: to.data,
          outcome: {
            ok: false,
            message: `At most ${TEST_SENDS_PER_MINUTE} test sends a minute for the whole team: wait a minute and try again.`,
          },
        },
        429,
      );
    case "provider_busy":
      c.header("retry-after", String(result.retryAfterSeconds));
      return renderPreview(
        c,
        picked,
        {
          to: to.data,
          outcome: {
            ok: false,
            message: `The team's mail provider rate is booked by other sends right now: try again in ${result.retryAfterSeconds} seconds.`,
          },
        },
        429,
      );
    case "refused":
      return renderPreview(
        c,
        picked,
        { to: to.data, outcome: { ok: false, message: `The mail provider refused the email: ${result.message}` } },
        400,
      );
    case "failed":
      return renderPreview(
        c,
        picked,
        { to: to.data, outcome: { ok: false, message: `The mail provider failed: ${result.message}` } },
        502,
      );
  }
});
