import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { actionTarget, parseLinkNumber } from "../actions/action-target";
import { findReaderDelivery, type ReaderDelivery } from "../actions/reader-delivery";
import { requestReason } from "../actions/scanner-rules";
import { newClickId, takeClick } from "../actions/take-click";
import { findPartById, findSeries } from "../content/catalog";
import type { CompiledPart, CompiledSeries } from "../content/types";
import type { ClickMessage } from "../env";
import { AppError, RETRY_IN_A_MINUTE } from "../errors";
import { clientKey } from "../lib/client-key";
import { partWebUrl } from "../lib/public-url";
import { sameOrigin } from "../middleware/same-origin";
import { limitBody, readBody } from "../middleware/read-body";
import { ResponsePage, ResponseThanksPage } from "../pages/response-page";
import { SAMPLE_DELIVERY_ID } from "../previews/sample-email";
import { findResponse, MAX_RESPONSE_LENGTH, saveResponse } from "../actions/action-responses";
import { verifyReaderToken } from "../tokens";

export const actionRoutes = new Hono<AppEnv>();

const BAD_LINK = "This link does not work. Please copy the whole link from the email.";

/** The delivery and part a reader token was signed for, or a friendly 4xx. */
async function readerPart(
  c: Context<AppEnv>,
  token: string,
): Promise<{ delivery: ReaderDelivery; series: CompiledSeries; part: CompiledPart }> {
  const delivery = await findReaderDelivery(c.var.deps, token);
  if (!delivery) throw new AppError("INVALID_TOKEN", BAD_LINK);
  const series = findSeries(delivery.series);
  const part = series && findPartById(series, delivery.partId);
  // A part removed from the catalog after it was sent: its links have nowhere to go.
  if (!series || !part) throw new AppError("NOT_FOUND", "This part is no longer published.");
  return { delivery, series, part };
}

/**
 * An action link from an email (GET and HEAD): `/a/<reader token>/<series>/<part id>/<n>`. Answered from the
 * signed token and the compiled catalog alone, with no D1 on the way: the click goes to the queue after the
 * answer (waitUntil), and its consumer checks the part against the delivery and decides the scanner rules. A
 * GET changes no subscription.
 */
actionRoutes.get("/a/:token/:series/:part/:n", async (c) => {
  const { deps } = c.var;
  const { config } = deps;
  const token = c.req.param("token");
  const deliveryId = await verifyReaderToken(config.keyring, token);
  if (deliveryId === null) throw new AppError("INVALID_TOKEN", BAD_LINK);
  const series = findSeries(c.req.param("series"));
  const part = series && findPartById(series, c.req.param("part"));
  if (!series || !part) throw new AppError("NOT_FOUND", "This part is no longer published.");
  const link = parseLinkNumber(c.req.param("n"));
  const target = link === null ? null : actionTarget(config, part, link, token);
  if (link === null || target === null) throw new AppError("NOT_FOUND", "This email has no such link.");
  const click: ClickMessage = {
    id: newClickId(),
    deliveryId,
    series: series.slug,
    partId: part.id,
    link,
    at: deps.clock(),
    reason: requestReason(c.req.method, c.req.header("user-agent")),
  };
  // Over the client's limit the reader still gets their redirect; only the click goes unrecorded. A preview's
  // links lead where the reader's would, and record nothing.
  if (deliveryId !== SAMPLE_DELIVERY_ID) {
    c.executionCtx.waitUntil(
      takeClick(deps, { click, client: clientKey(c.req.header("cf-connecting-ip")) }).catch((error: unknown) =>
        console.error("click not recorded", deliveryId, error),
      ),
    );
  }
  // Never cached: every click must reach us to be counted.
  c.header("cache-control", "private, no-store");
  return c.redirect(target, 302);
});

type RespondPart = CompiledPart & { cta: { respond: { prompt: string } } };
const asks = (part: CompiledPart): part is RespondPart => part.cta.respond !== undefined;

async function respondContext(c: Context<AppEnv>) {
  const token = c.req.param("token") ?? "";
  const found = await readerPart(c, token);
  if (!asks(found.part)) throw new AppError("NOT_FOUND", "This part does not ask for a response.");
  return { ...found, part: found.part, token };
}

actionRoutes.get("/respond/:token", async (c) => {
  const { delivery, series, part, token } = await respondContext(c);
  const earlier = await findResponse(c.var.deps, delivery.id);
  c.header("cache-control", "private, no-store");
  return c.html(
    <ResponsePage series={series} part={part} token={token} body={earlier ?? ""} editing={earlier !== null} />,
  );
});

const responseSchema = z
  .string({ error: "Please write your response." })
  // Browsers send line breaks as CRLF; count them as one character, as the textarea does.
  .transform((value) => value.replace(/\r\n?/g, "\n").trim())
  .pipe(
    z
      .string()
      .min(1, "Please write your response.")
      .refine((value) => [...value].length <= MAX_RESPONSE_LENGTH, {
        message: `Please keep your response under ${MAX_RESPONSE_LENGTH.toLocaleString("en-US")} characters.`,
      })
      .refine(
        (value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value),
        "Your response contains control characters.",
      ),
  );

actionRoutes.post("/respond/:token", limitBody(32 * 1024), sameOrigin, async (c) => {
  const { deps } = c.var;
  if (deps.env.SIGNUP_LIMITER) {
    const { success } = await deps.env.SIGNUP_LIMITER.limit({
      key: `respond:${clientKey(c.req.header("cf-connecting-ip"))}`,
    });
    if (!success)
      throw new AppError(
        "RATE_LIMITED",
        "Too many responses from your network. Please try again in a minute.",
        undefined,
        RETRY_IN_A_MINUTE,
      );
  }
  const { delivery, series, part, token } = await respondContext(c);
  const form = (await readBody(c)) as Record<string, string>;
  const parsed = responseSchema.safeParse(form.response);
  if (!parsed.success) {
    const typed = typeof form.response === "string" ? form.response.slice(0, MAX_RESPONSE_LENGTH * 2) : "";
    const editing = (await findResponse(deps, delivery.id)) !== null;
    c.status(400);
    return c.html(
      <ResponsePage
        series={series}
        part={part}
        token={token}
        body={typed}
        error={parsed.error.issues[0]!.message}
        editing={editing}
      />,
    );
  }
  await saveResponse(deps, { delivery, body: parsed.data, now: deps.clock() });
  const webUrl = partWebUrl(deps.config, series.slug, part.id);
  return c.html(<ResponseThanksPage series={series} part={part} token={token} body={parsed.data} webUrl={webUrl} />);
});
