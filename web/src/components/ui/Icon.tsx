// One icon component over lucide-react, so every view draws icons the same size and weight and
// a button's icon is decorative unless it is the only label. Views import icons from lucide-react
// and pass them in: <Icon icon={Play} />.
import type { LucideIcon } from "lucide-react";

export function Icon({ icon: Glyph, size = 16, label, className }: { icon: LucideIcon; size?: number; label?: string; className?: string }) {
  return <Glyph size={size} strokeWidth={1.75} className={`icon${className ? ` ${className}` : ""}`} aria-hidden={label ? undefined : true} aria-label={label} role={label ? "img" : undefined} />;
}

/** A button that is only an icon: the label is its accessible name and its tooltip. */
export function IconButton({ icon, label, onClick, disabled, small, testId, title, pressed }: {
  icon: LucideIcon; label: string; onClick: () => void; disabled?: boolean; small?: boolean; testId?: string; title?: string; pressed?: boolean;
}) {
  return (
    <button type="button" className={`icon-btn${small ? " small" : ""}`} onClick={onClick} disabled={disabled} aria-label={label} title={title ?? label}
      data-testid={testId} aria-pressed={pressed}>
      <Icon icon={icon} size={small ? 14 : 16} />
    </button>
  );
}
