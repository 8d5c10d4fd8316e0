import { afterEach, describe, expect, it, vi } from "vitest";
import { LINK_LIKE, MAX_NAME_CHARS, NAME_PATTERNS, readerNameSchema } from "../../worker/subscribers/reader-name";
import { subscribeForm, subscribeJson, uniqueEmail } from "../helpers/route-helpers";
import { findSubscriber } from "../helpers/rows";

const TOO_LONG = `Please keep your name under ${MAX_NAME_CHARS} characters.`;

/** The length of every string the name's patterns are tested against while `run` runs (the Worker shares this isolate). */
async function patternInputs(run: () => unknown): Promise<number[]> {
  const lengths: number[] = [];
  const test = RegExp.prototype.test;
  vi.spyOn(RegExp.prototype, "test").mockImplementation(function (this: RegExp, input: string) {
    if (NAME_PATTERNS.includes(this)) lengths.push(String(input).length);
    return test.call(this, input);
  });
  await run();
  vi.restoreAllMocks();
  return lengths;
}

afterEach(() => vi.restoreAllMocks());

describe("the name check does no unbounded work", () => {
  it("refuses a 16 KB name on its length alone: no pattern reads it, and the one issue says why", async () => {
    // Letters (the backtracking case), then everything else the checks refuse: only the length may answer.
    const hostile = `${"a".repeat(16_000)}\u0000\u202e see evil.example`;
    let issues: string[] = [];
    const lengths = await patternInputs(() => {
      issues = readerNameSchema.safeParse(hostile).error!.issues.map((issue) => issue.message);
    });
    expect(issues).toEqual([TOO_LONG]);
    expect(lengths).toEqual([]);

    // The spy sees the patterns when they do run: the check above is not vacuous.
    const ordinary = await patternInputs(() => expect(readerNameSchema.safeParse("Ann").success).toBe(true));
    expect(ordinary).toEqual([3, 3, 3]);
  });

  it("a name at the limit is read by each pattern once, at its own length", async () => {
    const lengths = await patternInputs(() =>
      expect(readerNameSchema.safeParse("a".repeat(MAX_NAME_CHARS)).success).toBe(true),
    );
    expect(lengths).toEqual([MAX_NAME_CHARS, MAX_NAME_CHARS, MAX_NAME_CHARS]);
    // Code points, not UTF-16 units: 100 emoji are a 100-character name.
    expect(readerNameSchema.safeParse("😀".repeat(MAX_NAME_CHARS)).success).toBe(true);
    expect(
      readerNameSchema.safeParse("😀".repeat(MAX_NAME_CHARS + 1)).error!.issues.map((issue) => issue.message),
    ).toEqual([TOO_LONG]);
  });

  it("the link pattern has no unbounded quantifier (linear), and still refuses every kind of link", () => {
    expect(LINK_LIKE.source).not.toMatch(/[*+]|\{\d+,\}/);
    for (const name of [
      "http://evil.example",
      "x://y",
      "javascript:alert(1)",
      "mailto:me",
      "www.evil",
      "see evil.example",
      "evil。example",
      "a@b",
      "Ann-2.Sec",
    ]) {
      expect(readerNameSchema.safeParse(name).success, name).toBe(false);
    }
    for (const name of [
      "Ann",
      "Jean-Luc Picard",
      "J.R.R. Tolkien",
      "Mr. Smith",
      "Zoë 😀",
      "O'Brien",
      "李小龍",
      "a".repeat(MAX_NAME_CHARS),
    ]) {
      expect(readerNameSchema.safeParse(name).success, name).toBe(true);
    }
  });

  it("the signup form and API answer a 15,000-letter name with the length message, having tested no pattern on it", async () => {
    for (const send of [subscribeForm, subscribeJson]) {
      const email = uniqueEmail("long-name");
      let res: Response | undefined;
      const lengths = await patternInputs(async () => {
        res = await send({ email, name: "a".repeat(15_000) });
      });
      expect(res!.status).toBe(400);
      expect(await res!.text()).toContain(TOO_LONG);
      expect(lengths).toEqual([]);
      expect(await findSubscriber(email)).toBeNull();
    }
    // The Worker's checks are the ones counted: an ordinary name is seen by each of them.
    const ordinary = await patternInputs(() => subscribeForm({ email: uniqueEmail("short-name"), name: "Ann" }));
    expect(ordinary).toEqual([3, 3, 3]);
  });
});
