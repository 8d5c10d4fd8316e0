import { CsrfField } from "./admin-layout";

export interface SeriesChoice {
  slug: string;
  title: string;
}

/** "Dry run" (shows what would go now) or, after one, "Send now"; both for every series or one. */
export function SendForm(props: {
  csrfToken: string;
  series: SeriesChoice[];
  mode: "dry-run" | "send";
  selected?: string;
}) {
  const dry = props.mode === "dry-run";
  return (
    <form method="post" action={dry ? "/admin/send/dry-run" : "/admin/send"} class="actions">
      <CsrfField token={props.csrfToken} />
      <div>
        <label for={`series-${props.mode}`}>Series</label>
        <select id={`series-${props.mode}`} name="series">
          <option value="">Every series</option>
          {props.series.map((series) => (
            <option value={series.slug} selected={series.slug === props.selected}>
              {series.title}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class={dry ? "secondary" : ""}>
        {dry ? "Dry run" : "Send now"}
      </button>
    </form>
  );
}
