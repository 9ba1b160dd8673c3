import { useStudio } from "../store/store";

export function Toasts() {
  const toasts = useStudio((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => <div key={t.id} className={`toast toast-${t.tone}`} data-testid="toast">{t.text}</div>)}
    </div>
  );
}
