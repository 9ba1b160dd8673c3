import { expect, it } from "vitest";
import { nameProblem, renameOutcome, uniqueName } from "./names";

it("tells duplicate names apart by a number", () => {
  expect(uniqueName("Harbour", ["Lighthouse"])).toBe("Harbour");
  expect(uniqueName("Harbour", ["harbour"])).toBe("Harbour (2)");
  expect(uniqueName("Harbour", ["Harbour", "Harbour (2)"])).toBe("Harbour (3)");
  expect(uniqueName("Harbour (2)", ["Harbour", "Harbour (2)"])).toBe("Harbour (3)");
});

it("says when a name is too long instead of cutting it", () => {
  expect(nameProblem("x".repeat(200), 200)).toBeNull();
  expect(nameProblem("x".repeat(203), 200)).toBe("3 characters too long: names are at most 200 characters");
});

it("a rename follows the create form's rules", () => {
  expect(renameOutcome("  Harbour ", "Harbour", ["Pier"], 200)).toEqual({ kind: "unchanged" });
  expect(renameOutcome("Lighthouse", "Harbour", ["Pier"], 200)).toEqual({ kind: "renamed", name: "Lighthouse", note: null });
  expect(renameOutcome("pier", "Harbour", ["Pier"], 200)).toEqual({
    kind: "renamed", name: "pier (2)", note: "A project is already called “pier”: this one is now “pier (2)”",
  });
  expect(renameOutcome("x".repeat(203), "Harbour", [], 200)).toEqual({
    kind: "refused", message: "Not renamed: 3 characters too long: names are at most 200 characters; it keeps its name",
  });
  // "Pier (2)" renamed to "Pier" while "Pier" exists would be "Pier (2)" again: said, not silent.
  expect(renameOutcome("Pier", "Pier (2)", ["Pier"], 200)).toEqual({
    kind: "refused", message: "A project is already called “Pier”: this one keeps its name “Pier (2)”",
  });
});
