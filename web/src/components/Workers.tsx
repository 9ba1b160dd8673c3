// The model library's Workers section: where jobs run (this server, worker processes or Ray GPU
// actors), and for each worker its device and GPUs, the jobs it runs and the families it holds warm.
import { Cpu } from "lucide-react";
import { workerLines } from "../lib/engines";
import { useStudio } from "../store/store";
import { Icon } from "./ui/Icon";

export function Workers() {
  const engines = useStudio((s) => s.engines);
  const { executor, lines } = workerLines(engines);
  return (
    <section className="workers" data-testid="workers" data-executor={engines?.executor ?? "local"}>
      <h3><Icon icon={Cpu} size={14} /> Workers <span className="muted">· {executor}</span></h3>
      {lines.length === 0 ? <p className="muted">No worker has reported in: queued jobs wait until one does.</p> : (
        <ul className="worker-list">
          {lines.map((w) => (
            <li key={w.name} className="worker-row" data-testid="worker" data-worker={w.name}>
              <b>{w.name}</b>
              <span className="muted" data-testid="worker-where">{w.where}</span>
              <span data-testid="worker-active">{w.active ? `${w.active} job${w.active > 1 ? "s" : ""} running` : "idle"}</span>
              <span className="muted" data-testid="worker-loaded">{w.loaded}</span>
              {w.runs && <span className="muted" data-testid="worker-engines" title="What this worker's next job of each kind runs on">{w.runs}</span>}
              <span className="muted">{w.seen}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
