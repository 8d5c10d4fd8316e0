import { subscriberStatuses } from "../../../db/enums";
import type { listSubscribers } from "../../subscribers/list-subscribers";
import { AdminLayout, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { when } from "./format";

type Found = Awaited<ReturnType<typeof listSubscribers>>;

/** Find a reader by address or name: their status and where they are in each series. */
export function ReadersPage(
  props: LayoutProps & { q?: string; status?: string; found: Found; nextHref: string | null },
) {
  const { q, status, found, nextHref, ...layout } = props;
  return (
    <AdminLayout title="Readers" {...layout}>
      <h1>Readers</h1>
      {/* biome-ignore lint/a11y/useSemanticElements: a GET form is the search landmark itself; a <search> wrapper adds nothing here */}
      <form method="get" action="/admin/readers" class="search" role="search">
        <div class="field">
          <label for="q">Address or name</label>
          <input id="q" name="q" type="search" value={q ?? ""} maxlength={200} />
        </div>
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            <option value="">Any</option>
            {subscriberStatuses.map((value) => (
              <option value={value} selected={value === status}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Find
        </button>
      </form>
      <section class="card" aria-labelledby="found-h">
        <h2 id="found-h">{q ? `Readers matching “${q}”` : "Newest readers"}</h2>
        {found.data.length === 0 ? (
          <p class="muted">No reader matches.</p>
        ) : (
          <div class="scroll">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Reader</th>
                  <th scope="col">Status</th>
                  <th scope="col">Position</th>
                </tr>
              </thead>
              <tbody>
                {found.data.map((reader) => (
                  <tr>
                    <td class="wrap">
                      <a href={`/admin/readers/${reader.id}`}>{reader.email}</a>
                      {reader.name ? (
                        <>
                          <br />
                          <span class="muted">{reader.name}</span>
                        </>
                      ) : null}
                      <br />
                      <span class="muted">{`since ${when(reader.createdAt)}`}</span>
                    </td>
                    <td>
                      <span class="badge">{reader.status}</span>
                    </td>
                    <td>
                      {reader.series.length === 0
                        ? "—"
                        : reader.series.map((position) => (
                            <div class="position">
                              <strong>{position.series}</strong>
                              <br />
                              {`${position.status}, next part ${position.nextPart}${position.dueAt ? `, due ${when(position.dueAt)}` : ""}`}
                            </div>
                          ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextHref ? (
          <p>
            <a href={nextHref}>Next page</a>
          </p>
        ) : null}
      </section>
    </AdminLayout>
  );
}
