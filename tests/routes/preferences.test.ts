import { describe, expect, it } from "vitest";
import { openPage, readerWithPart1 } from "../helpers/preferences-helpers";

describe("smoke", () => {
  it("opens", async () => {
    const reader = await readerWithPart1();
    const res = await openPage(reader.token);
    const html = await res.text();
    console.log(res.status, [...res.headers].join("\n"), html.slice(0, 200), html.length);
    console.log(html.replace(/<option[^>]*>[^<]*<\/option>/g, "").slice(2500));
  });
});
