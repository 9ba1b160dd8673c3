// The one modal: a backdrop that closes it, a head with its title and a close button, Escape to
// close, and the focus moved inside when it opens. Every overlay (projects, models, takes side by
// side, help, questions) is one of these.
import { useEffect, useRef, type ReactNode } from "react";
import { X } from "lucide-react";
import { IconButton } from "./Icon";

export function Dialog({ title, onClose, children, className, role = "dialog", closable = true, testId }: {
  title?: ReactNode; onClose: () => void; children: ReactNode; className?: string; role?: "dialog" | "alertdialog"; closable?: boolean; testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    if (box.current && !box.current.contains(document.activeElement)) box.current.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && closable) {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      prev?.focus?.();
    };
  }, [onClose, closable]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && closable && onClose()}>
      <div ref={box} tabIndex={-1} className={`modal${className ? ` ${className}` : ""}`} role={role} data-testid={testId}
        aria-label={typeof title === "string" ? title : undefined}>
        {(title || closable) && (
          <div className="modal-head">
            {title ? <h2>{title}</h2> : <span />}
            {closable && <IconButton icon={X} label="Close" onClick={onClose} />}
          </div>
        )}
        {children}
      </div>
    </div>
  );
}
