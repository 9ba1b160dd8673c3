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
