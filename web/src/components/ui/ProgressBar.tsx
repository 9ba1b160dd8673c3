/** A thin progress bar (0–100). */
export function ProgressBar({ value, testId }: { value: number; testId?: string }) {
  return (
    <div className="bar" data-testid={testId} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value)}>
      <div style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
    </div>
  );
}
