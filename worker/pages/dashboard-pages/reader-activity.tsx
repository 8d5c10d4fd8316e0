import type { Child } from "hono/jsx";
import type { SubscriberData } from "../../subscribers/subscriber-data";
import { when } from "./format";

type Row = Record<string, unknown>;
const text = (value: unknown) => (value === null || value === undefined || value === "" ? "—" : String(value));
const at = (value: unknown) => when(value as string | null);

/** A titled card with a table of a reader's rows, or "None." */
function RowsCard(props: { id: string; title: string; rows: Row[]; head: string[]; cells: (row: Row) => Child[] }) {
  return (
    <section class="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{`${props.title} (${props.rows.length})`}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="scroll">
          <table class="stack">
            <thead>
              <tr>
                {props.head.map((label) => (
                  <th scope="col">{label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  {props.cells(row).map((cell) => (
                    <td class="wrap">{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What the reader was sent and did: the same rows as the API's detail, newest last as stored. */
export function ReaderActivity({ data }: { data: SubscriberData }) {
  // A slimmed delivery (older than the retention window) keeps its outcome and the day it was sent.
  const outcome = (row: Row) =>
    row.outcome
      ? text(row.outcome)
      : row.complainedAt
        ? "complained"
        : row.bouncedAt
          ? "bounced"
          : row.humanClickedAt
            ? "clicked"
            : row.openedAt
              ? "opened"
              : row.deliveredAt
                ? "delivered"
                : text(row.status);
  return (
    <div class="grid two" style="margin-top:1rem">
      <RowsCard
        id="deliveries-h"
        title="Deliveries"
        rows={data.deliveries}
        head={["Part", "Outcome", "Sent"]}
        cells={(row) => [
          `${text(row.series)} #${text(row.partNumber)}`,
          outcome(row),
          row.sentOn ? text(row.sentOn) : at(row.sentAt ?? row.createdAt),
        ]}
      />
      <RowsCard
        id="clicks-h"
        title="Clicks"
        rows={data.clicks}
        head={["Link", "Who", "When"]}
        cells={(row) => [
          text(row.link),
          row.scannerReason ? `scanner (${text(row.scannerReason)})` : "the reader",
          at(row.createdAt),
        ]}
      />
      <RowsCard
        id="responses-h"
        title="Responses"
        rows={data.responses}
        head={["Part", "Response", "When"]}
        cells={(row) => [
          `${text(row.series)} · ${text(row.partId)}`,
          text(row.body),
          at(row.updatedAt ?? row.createdAt),
        ]}
      />
      <RowsCard
        id="consents-h"
        title="Consent records"
        rows={data.consents}
        head={["Series", "How", "When"]}
        cells={(row) => [
          text(row.series),
          `${text(row.form)} · consent text ${text(row.consentTextVersion)} · confirmation email ${text(row.emailStatus)}`,
          `given ${at(row.createdAt)}${row.confirmedAt ? `, confirmed ${at(row.confirmedAt)}` : ""}`,
        ]}
      />
    </div>
  );
}
