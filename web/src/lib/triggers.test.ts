import { describe, expect, it } from "vitest";
import { findTriggers, insertTrigger, suggest, tokenAtCaret } from "./triggers";

const el = (id: string, trigger_word: string, name = trigger_word.slice(1)) => ({ id, name, trigger_word, type: "character" });
const ALL = [el("hero", "@Hero"), el("heroine", "@Heroine"), el("ann", "@Ann"), el("am", "@Ann-Marie"), el("zoe", "@Zoë")];

describe("findTriggers: the server's rules", () => {
  it.each([
    ["@Hero runs", ["hero"]],
    ["@Heroine runs", ["heroine"]],
    ["@heroine and @HERO", ["heroine", "hero"]],
    ["(@Hero), @Hero.", ["hero"]],
    ["@Hero's coat", ["hero"]],
    ["@Heroes", []],
    ["@Hero_2 @Hero-like email@Hero @@Hero", []],
    ["@Ann waves at @Ann-Marie", ["ann", "am"]],
    ["@Anna", []],
    ["@ZOË smiles", ["zoe"]],
    ["@Zoëlle", []],
  ])("%s", (text, ids) => {
    expect(findTriggers(text, ALL).map((e) => e.id)).toEqual(ids);
  });
});

describe("autocomplete", () => {
  it("finds the @word at the caret", () => {
    expect(tokenAtCaret("a shot of @Ma", 13)).toEqual({ start: 10, query: "Ma" });
    expect(tokenAtCaret("@", 1)).toEqual({ start: 0, query: "" });
    expect(tokenAtCaret("mail@Ma", 7)).toBeNull();
    expect(tokenAtCaret("@Mara walks", 11)).toBeNull();
  });
  it("suggests by prefix first and inserts the trigger with a space", () => {
    expect(suggest(ALL, "an").map((e) => e.id)).toEqual(["ann", "am"]);
    expect(suggest(ALL, "oin").map((e) => e.id)).toEqual(["heroine"]);
    expect(insertTrigger("a shot of @He", 10, 13, "@Heroine")).toEqual({ text: "a shot of @Heroine ", caret: 19 });
    expect(insertTrigger("@He walks", 0, 3, "@Hero")).toEqual({ text: "@Hero walks", caret: 6 });
  });
});
