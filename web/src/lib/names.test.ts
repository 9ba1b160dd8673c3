import { expect, it } from "vitest";
import { nameProblem, uniqueName } from "./names";

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
