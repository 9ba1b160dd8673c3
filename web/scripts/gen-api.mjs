// Regenerates the API types from the server's OpenAPI schema, without starting a server:
//   1. the Python app writes its schema to src/api/openapi.json (create_app().openapi());
//   2. openapi-typescript turns it into src/api/schema.ts.
// `npm run gen:api` (or `make web-api`). Tests fail when either file is out of date.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderSchema } from "./render-schema.mjs";

const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(web, "..");
const python = process.env.PYTHON ?? (existsSync(resolve(repo, ".venv/bin/python")) ? resolve(repo, ".venv/bin/python") : "python3");
const dump = "import json; from milimo.app import create_app; print(json.dumps(create_app().openapi(), indent=2, sort_keys=True))";
// MILIMO_SRC points at another checkout's src/ (e.g. a clean worktree of HEAD) when the working tree
// holds someone's unfinished API work that must not end up in the committed schema.
const src = process.env.MILIMO_SRC ? resolve(process.env.MILIMO_SRC) : resolve(repo, "src");
const env = { ...process.env, PYTHONPATH: src + (process.env.PYTHONPATH ? ":" + process.env.PYTHONPATH : "") };
const schemaJson = execFileSync(python, ["-c", dump], { cwd: resolve(src, ".."), env, encoding: "utf8", maxBuffer: 64 << 20 });
writeFileSync(resolve(web, "src/api/openapi.json"), schemaJson);
writeFileSync(resolve(web, "src/api/schema.ts"), await renderSchema(JSON.parse(schemaJson)));
console.log("wrote src/api/openapi.json and src/api/schema.ts");
