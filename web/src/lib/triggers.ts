// Trigger words in prompt text, by the server's rules (studio/elements.py): a trigger is a whole
// token, any case; "@Hero" is not in "@Heroine" or "@Hero-2" but is in "@Hero's" and "(@Hero)";
// where one trigger starts another the longer wins. Used for the chips under a prompt and for
// the "@" autocomplete.
export type TriggerElement = { id: string; name: string; trigger_word: string; type: string; image_url?: string | null };

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The elements whose trigger occurs in `text` as a token, in order of first appearance. */
export function findTriggers<T extends TriggerElement>(text: string, elements: T[]): T[] {
  const triggers = [...new Set(elements.map((e) => e.trigger_word).filter(Boolean))].sort((a, b) => b.length - a.length || a.localeCompare(b));
  if (!triggers.length || !text) return [];
  const re = new RegExp(`(?<![\\p{L}\\p{N}_@])(?:${triggers.map(esc).join("|")})(?![\\p{L}\\p{N}_]|-[\\p{L}\\p{N}_])`, "giu");
  const byTrigger = new Map(elements.map((e) => [e.trigger_word.toLocaleLowerCase(), e]));
  const out: T[] = [];
  for (const m of text.matchAll(re)) {
    const el = byTrigger.get(m[0].toLocaleLowerCase());
    if (el && !out.includes(el)) out.push(el);
  }
  return out;
}

/** The "@word" being typed at the caret, if any: where it starts and what follows the "@". */
export function tokenAtCaret(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_-]*)$/u.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

/** Elements offered for a query: triggers or names that start with it first, then those containing it. */
export function suggest<T extends TriggerElement>(elements: T[], query: string, limit = 8): T[] {
  const q = query.toLocaleLowerCase();
  const starts = elements.filter((e) => e.trigger_word.slice(1).toLocaleLowerCase().startsWith(q) || e.name.toLocaleLowerCase().startsWith(q));
  const contains = elements.filter((e) => !starts.includes(e) && (e.trigger_word.toLocaleLowerCase().includes(q) || e.name.toLocaleLowerCase().includes(q)));
  return [...starts, ...contains].slice(0, limit);
}

/** Put `trigger` in place of the token that starts at `start` and ends at the caret, followed by one
 * space; returns the text and the caret after that space. */
export function insertTrigger(text: string, start: number, caret: number, trigger: string): { text: string; caret: number } {
  const after = text.slice(caret);
  const next = text.slice(0, start) + trigger + (after.startsWith(" ") ? "" : " ") + after;
  return { text: next, caret: start + trigger.length + 1 };
}
