// A prompt field that knows the project's elements: typing "@" offers their triggers (arrow keys,
// Enter or Tab to pick, Escape to close), and the elements the text names show as chips under it.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { ElementPublic } from "../api/types";
import { useElements } from "../store/elements";
import { findTriggers, insertTrigger, suggest, tokenAtCaret } from "../lib/triggers";

export function ElementChips({ text, matched = [] }: { text: string; matched?: { element_id: string }[] }) {
  const elements = useElements((s) => s.elements);
  const named = findTriggers(text, elements);
  const chosen = [...named, ...elements.filter((e) => matched.some((m) => m.element_id === e.id) && !named.includes(e))];
  if (!chosen.length) return null;
  return (
    <div className="element-chips" data-testid="element-chips">
      {chosen.map((e) => (
        <span key={e.id} className={`element-chip type-${e.type}`} data-testid="element-chip" data-element={e.id}
          title={`${e.name} (${e.type})${e.description ? `: ${e.description}` : ""}${e.images.length ? ` · ${e.images.length} reference image(s)` : " · no reference image"}`}>
          {e.image_url ? <img src={e.images[0]?.thumbnail_url ?? e.image_url} alt="" /> : null}{e.trigger_word}
        </span>
      ))}
    </div>
  );
}

export function PromptField({ label, value, onChange, onCommit, rows = 3, placeholder, testId, matched }: {
  label: string; value: string; onChange?: (v: string) => void; onCommit?: (v: string) => void; rows?: number; placeholder?: string; testId?: string;
  matched?: { element_id: string }[];
}) {
  const elements = useElements((s) => s.elements);
  const [draft, setDraft] = useState(value);
  const [menu, setMenu] = useState<{ start: number; items: ElementPublic[]; at: number } | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const emitted = useRef(value);
  // Where the caret goes once a picked trigger is on screen. Applied in a layout effect, i.e. in the same
  // task as the re-render: a requestAnimationFrame came after keys typed straight after the pick and threw
  // the caret back behind them ("@MaraVale t the door, dawna").
  const caretAfterPick = useRef<number | null>(null);
  useLayoutEffect(() => {
    const box = ref.current;
    if (box === null || caretAfterPick.current === null) return;
    box.focus();
    box.setSelectionRange(caretAfterPick.current, caretAfterPick.current);
    caretAfterPick.current = null;
  });
  // Follow the value from outside (undo, another tab), not our own echo: a late echo would drop keys typed since.
  useEffect(() => {
    if (value !== emitted.current) setDraft(value);
    emitted.current = value;
  }, [value]);
  useEffect(() => {
    if (!onCommit || draft === value) return;
    const t = setTimeout(() => { emitted.current = draft; onCommit(draft); }, 800);
    return () => clearTimeout(t);
  }, [draft]); // eslint-disable-line react-hooks/exhaustive-deps
  const emit = (text: string) => {
    emitted.current = text;
    onChange?.(text);
  };
  const update = (text: string, caret: number) => {
    setDraft(text);
    emit(text);
    const token = tokenAtCaret(text, caret);
    const items = token ? suggest(elements, token.query) : [];
    setMenu(token && items.length ? { start: token.start, items, at: 0 } : null);
  };
  const pick = (el: ElementPublic) => {
    const box = ref.current;
    if (!box || !menu) return;
    const { text, caret } = insertTrigger(draft, menu.start, box.selectionStart, el.trigger_word);
    caretAfterPick.current = caret;
    setMenu(null);
    setDraft(text);
    emit(text);
    if (onCommit) { emitted.current = text; onCommit(text); }
  };
  return (
    <label className="field prompt-field">
      <span>{label}</span>
      <textarea ref={ref} rows={rows} aria-label={label} value={draft} placeholder={placeholder} data-testid={testId}
        onChange={(e) => update(e.target.value, e.target.selectionStart)}
        onBlur={() => { setTimeout(() => setMenu(null), 150); if (onCommit && draft !== value) { emitted.current = draft; onCommit(draft); } }}
        onKeyDown={(e) => {
          if (!menu) return;
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const n = menu.items.length;
            setMenu({ ...menu, at: (menu.at + (e.key === "ArrowDown" ? 1 : n - 1)) % n });
          } else if (e.key === "Enter" || e.key === "Tab") {
            e.preventDefault();
            pick(menu.items[menu.at]);
          } else if (e.key === "Escape") {
            e.stopPropagation();
            setMenu(null);
          }
        }} />
      {menu && (
        <ul className="trigger-menu" role="listbox" aria-label="Elements" data-testid="trigger-menu">
          {menu.items.map((el, i) => (
            <li key={el.id} role="option" aria-selected={i === menu.at} className={i === menu.at ? "on" : ""} data-testid="trigger-option"
              onMouseDown={(e) => { e.preventDefault(); pick(el); }}>
              {el.image_url ? <img src={el.images[0]?.thumbnail_url ?? el.image_url} alt="" /> : <span className="no-img" />}
              <b>{el.trigger_word}</b><span className="muted">{el.name} · {el.type}</span>
            </li>
          ))}
        </ul>
      )}
      <ElementChips text={draft} matched={matched} />
    </label>
  );
}
