// Server decisions about which media a shot shows (a job finished, a reload says so, an asset is
// gone) are applied to the document, its base and every undo and redo state, so no undo can
// revert a result or send a dead asset id. Kept apart from the edit flows so that sync, jobs and
// the library can use it without importing each other.
import type { ShotTake } from "../api/types";
import { clearedTake, withMedia, withoutAsset, type MediaChange, type ShotMap } from "../lib/takes";
import { history, serverSet, useStudio, type State } from "./store";

type Stored = { meta: State["meta"]; shots: ShotMap };

/** Change the shots of every undo and redo state (a server decision the history must not undo). */
function rewriteHistory(change: (shots: ShotMap) => ShotMap): void {
  const t = history();
  const map = (st: Partial<Stored>) => {
    if (!st.shots) return st;
    const shots = change(st.shots);
    return shots === st.shots ? st : { ...st, shots };
  };
  useStudio.temporal.setState({ pastStates: t.pastStates.map(map) as typeof t.pastStates, futureStates: t.futureStates.map(map) as typeof t.futureStates });
}

/** Apply a server-side document change to the document, its base and its history, with the takes that go with it. */
function everywhere(change: (shots: ShotMap) => ShotMap, takes?: (cur: State) => Record<string, ShotTake>): void {
  const s = useStudio.getState();
  const shots = change(s.shots);
  const base = s.base ? { ...s.base, shots: change(s.base.shots) } : s.base;
  serverSet({ shots, base, ...(takes ? { takes: takes(s) } : {}) });
  rewriteHistory(change);
}

/** The server set these shots' takes (a job finished, or a reload says so): adopt them everywhere. */
export function adoptMedia(change: MediaChange, takes?: Record<string, ShotTake>): void {
  if (!Object.keys(change).length) {
    if (takes) serverSet({ takes });
    return;
  }
  everywhere((shots) => withMedia(shots, change), takes ? () => takes : undefined);
}

/** An asset is gone (deleted here, or the server says it does not have it): nothing shows or uses it any more. */
export function forgetAsset(assetId: string): void {
  everywhere((shots) => withoutAsset(shots, assetId), (s) => {
    let takes = s.takes;
    for (const [id, t] of Object.entries(s.takes)) {
      if (t?.media_asset_id !== assetId) continue;
      if (takes === s.takes) takes = { ...s.takes };
      takes[id] = clearedTake(t);
    }
    return takes;
  });
}

/**
 * A generated still (a 1-frame shot) lands held for `frames` frames, so it is a clip one can see
 * and trim rather than a 4-pixel sliver. Applied to the document and its history (no undo shrinks
 * it back), not to the base: autosave tells the server, whose render and export read the length.
 */
export function holdStills(frames: Record<string, number>): void {
  const change = (shots: ShotMap): ShotMap => {
    let out = shots;
    for (const [id, n] of Object.entries(frames)) {
      const s = shots[id];
      if (!s || s.num_frames !== 1) continue;
      if (out === shots) out = { ...shots };
      out[id] = { ...s, num_frames: n, trim_in: 0, trim_out: 0 };
    }
    return out;
  };
  const s = useStudio.getState();
  const shots = change(s.shots);
  if (shots === s.shots) return;
  const t = history();
  t.pause();
  try {
    useStudio.setState({ shots });
  } finally {
    t.resume();
  }
  rewriteHistory(change);
}
