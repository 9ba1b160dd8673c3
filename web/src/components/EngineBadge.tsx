import { isDraft } from "../lib/events";

/** Which engine made a take. A draft (CPU) output is marked so it never passes for model output. */
export function EngineBadge({ engine, compact = false }: { engine: string | null | undefined; compact?: boolean }) {
  if (!engine) return null;
  const draft = isDraft(engine);
  return (
    <span className={`engine-badge ${draft ? "draft" : "model"}`} data-testid="engine-badge" data-engine={engine}
      title={draft ? "Draft: made by the CPU draft engine, not by a model" : `Made by ${engine}`}>
      {draft ? (compact ? "DRAFT" : "DRAFT · CPU") : engine}
    </span>
  );
}
