// The engines slice: GET /engines on start, on reconnect and after a model download finishes.
import { api, call } from "../api/client";
import { LTX2_GRID, serverGrid, type EnginesOverview, type VideoGrid } from "../lib/engines";
import { serverSet, type State } from "./store";

export async function loadEngines(): Promise<void> {
  try {
    const overview = (await call(api.GET("/engines"))) as unknown as EnginesOverview;
    if (overview && typeof overview === "object" && overview.engines) serverSet({ engines: overview });
  } catch {
    /* keep what we had; the grid falls back to LTX-2's */
  }
}

/** The video grid the inspector explains: the active engine's when the server reports it, else LTX-2's. */
export function gridOf(s: Pick<State, "engines">): { grid: VideoGrid; fromServer: boolean } {
  const grid = serverGrid(s.engines);
  return grid ? { grid, fromServer: true } : { grid: LTX2_GRID, fromServer: false };
}
