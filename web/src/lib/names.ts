// Project names: the server takes up to 200 characters; two projects with one name are told
// apart by a number, and the user is told so rather than finding two identical rows.

/** `name`, or `name (2)`, `name (3)`, … — the first that no project in `taken` has (case-insensitive). */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const used = new Set([...taken].map((n) => n.trim().toLowerCase()));
  const base = name.trim();
  if (!used.has(base.toLowerCase())) return base;
  const stem = base.replace(/ \((\d+)\)$/, "");
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

/** What is wrong with a name, in words, or null when it is fine. */
export function nameProblem(name: string, max: number): string | null {
  const n = name.trim().length;
  if (n > max) return `${n - max} character${n - max > 1 ? "s" : ""} too long: names are at most ${max} characters`;
  return null;
}

export type Rename = { kind: "unchanged" } | { kind: "refused"; message: string } | { kind: "renamed"; name: string; note: string | null };

/** What renaming a project from `current` to `wanted` does, by the create form's rules: an over-long
 * name is refused with a message, a duplicate of another project's name (`taken`) gets a number
 * and says so. */
export function renameOutcome(wanted: string, current: string, taken: Iterable<string>, max: number): Rename {
  const name = wanted.trim();
  if (!name || name === current) return { kind: "unchanged" };
  const problem = nameProblem(name, max);
  if (problem) return { kind: "refused", message: `Not renamed: ${problem}; it keeps its name` };
  const final = uniqueName(name, taken);
  if (final === current) return { kind: "refused", message: `A project is already called “${name}”: this one keeps its name “${current}”` };
  return { kind: "renamed", name: final, note: final === name ? null : `A project is already called “${name}”: this one is now “${final}”` };
}
