import { useEffect, useState } from "react";
import { samStatus, type SamState } from "./maskApi";

/** The segmentation service's state next to the engines: SAM 3 (up), OpenCV (draft) or down. */
export function SamBadge() {
  const [s, setS] = useState<SamState | null>(null);
  useEffect(() => {
    let live = true;
    const poll = async () => { const next = await samStatus(); if (live) setS(next); };
    void poll();
    const t = setInterval(poll, 15000);
    return () => { live = false; clearInterval(t); };
  }, []);
  if (!s) return null;
  const label = s.state === "up" ? (s.engine ?? "sam3") : s.state === "draft" ? "Draft" : "Down";
  return (
    <span className={`sam-badge ${s.state}`} data-testid="sam-status" data-state={s.state} title={`Masks: ${s.reason}`}>
      <span className="eng-cap">mask</span><span className="eng-name">{label}</span>
    </span>
  );
}
