// The generated client types must match the committed OpenAPI schema (which a pytest test checks
// against the Python app). If this fails: `npm run gen:api` (or `make web-api`) and commit.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
// @ts-expect-error plain ESM helper without types
import { renderSchema } from "../../scripts/render-schema.mjs";

it("src/api/schema.ts is generated from src/api/openapi.json", async () => {
  const here = resolve(__dirname);
  const doc = JSON.parse(readFileSync(resolve(here, "openapi.json"), "utf8"));
  const expected = await renderSchema(doc);
  const actual = readFileSync(resolve(here, "schema.ts"), "utf8");
  expect(actual === expected, "schema.ts is out of date: run `npm run gen:api` in web/ (or `make web-api`)").toBe(true);
});
