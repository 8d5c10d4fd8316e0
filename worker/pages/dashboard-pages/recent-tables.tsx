import type { RecentActivity, RecentSuppression } from "../../stats/recent-activity";
import { when } from "./format";

/** A reader's address, linked to their page when the row still knows who they are. */
const ReaderLink = ({ id, email }: { id: number | null; email: string }) =>
  id ? <a href={`/admin/readers/${id}`}>{email}</a> : email;

const Empty = ({ what }: { what: string }) => <p class="muted">{`No ${what} yet.`}</p>;

/** The newest deliveries, responses, bounces and complaints: small tables, newest first, bounded. */
export function RecentTables({ recent }: { recent: RecentActivity }) {
  return (
    <div class="grid two">
      <section class="card" aria-labelledby="recent-deliveries">
        <h2 id="recent-deliveries">Recent deliveries</h2>
        {recent.deliveries.length === 0 ? (
          <Empty what="deliveries" />
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sent</th>
                </tr>
              </thead>
              <tbody>
                {recent.deliveries.map((row) => (
                  <tr>
                    <td class="wrap">
                      <ReaderLink id={row.subscriberId} email={row.email} />
                      <br />
                      <span class="muted">{`${row.series} #${row.part}`}</span>
                    </td>
                    <td>
                      {row.complainedAt
                        ? "complained"
                        : row.bouncedAt
                          ? "bounced"
                          : row.deliveredAt
                            ? "delivered"
                            : row.status}
                    </td>
                    <td class="when">{when(row.sentAt ?? row.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="recent-responses">
        <h2 id="recent-responses">Recent responses</h2>
        {recent.responses.length === 0 ? (
          <Empty what="responses" />
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">Response</th>
                </tr>
              </thead>
              <tbody>
                {recent.responses.map((row) => (
                  <tr>
                    <td class="wrap">
                      <a href={`/admin/readers/by-address?${new URLSearchParams({ email: row.email })}`}>
                        {row.name ? `${row.name} <${row.email}>` : row.email}
                      </a>
                      <br />
                      <span class="muted">{`${row.series} #${row.part ?? "?"}`}</span>
                    </td>
                    <td class="wrap">{row.body.length > 160 ? `${row.body.slice(0, 159)}…` : row.body}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <SuppressionTable id="recent-bounces" title="Recent bounces" rows={recent.bounces} what="bounces" />
      <SuppressionTable id="recent-complaints" title="Recent complaints" rows={recent.complaints} what="complaints" />
    </div>
  );
}

function SuppressionTable(props: { id: string; title: string; rows: RecentSuppression[]; what: string }) {
  return (
    <section class="card" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <Empty what={props.what} />
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Reader</th>
                <th scope="col">Why</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr>
                  <td class="wrap">
                    {row.email ? <ReaderLink id={row.subscriberId} email={row.email} /> : "(erased)"}
                    {row.series ? (
                      <>
                        <br />
                        <span class="muted">{`${row.series} #${row.part}`}</span>
                      </>
                    ) : null}
                  </td>
                  <td class="wrap">{row.reason ?? "—"}</td>
                  <td class="when">{when(row.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
