import { isDraft } from "../lib/events";

/** Which engine made a take. A draft (CPU) output is marked so it never passes for model output; an upload says so. */
export function EngineBadge({ engine, compact = false }: { engine: string | null | undefined; compact?: boolean }) {
  if (!engine) return null;
  const draft = isDraft(engine);
  const upload = engine === "upload";
  return (
    <span className={`engine-badge ${draft ? "draft" : upload ? "upload" : "model"}`} data-testid="engine-badge" data-engine={engine}
      title={draft ? "Draft: made by the CPU draft engine, not by a model" : upload ? "Uploaded media, not generated" : `Made by ${engine}`}>
      {draft ? (compact ? "DRAFT" : "DRAFT · CPU") : upload ? "UPLOAD" : engine}
    </span>
  );
}
