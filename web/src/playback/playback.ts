// The playback engine (seed §9): one requestAnimationFrame loop. It advances a fractional position
// by the elapsed time × fps × rate, publishes the integer frame only when it changes, and stops at
// the timeline end. The layout is cached and recomputed only when the shots change.
import { useStudio } from "../store/store";
import { layoutOf } from "../lib/layout";
import { AudioEngine } from "./audio";

export class PlaybackEngine {
  private raf = 0;
  private last: number | null = null;
  private position = 0; // fractional frames
  readonly audio = new AudioEngine();
  /** Per-frame work time in ms, for the benchmark. */
  readonly workTimes: number[] = [];
  measure = false;

  start(): void {
    const loop = (now: number) => {
      this.raf = requestAnimationFrame(loop);
      const t0 = this.measure ? performance.now() : 0;
      this.tick(now);
      if (this.measure) this.workTimes.push(performance.now() - t0);
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.audio.stopAll();
  }

  private tick(now: number): void {
    const s = useStudio.getState();
    const layout = layoutOf(s.shots);
    const fps = s.meta?.fps ?? 24;
    if (!s.playing) {
      this.last = null;
      this.position = s.frame;
      this.audio.tick(s, layout, false);
      return;
    }
    // The playhead was moved by hand (scrub, keys) since the last tick: continue from there.
    if (Math.floor(this.position) !== s.frame) this.position = s.frame;
    const dt = this.last === null ? 0 : Math.min(now - this.last, 250);
    this.last = now;
    let next = this.position + (dt / 1000) * fps * s.rate;
    const end = layout.duration;
    if (next >= end || next < 0) {
      next = Math.max(0, Math.min(next, end));
      this.position = next;
      useStudio.setState({ playing: false, rate: 1, frame: Math.floor(next) });
      this.audio.tick(useStudio.getState(), layout, false);
      return;
    }
    this.position = next;
    const frame = Math.floor(next);
    if (frame !== s.frame) useStudio.setState({ frame });
    this.audio.tick(useStudio.getState(), layout, true);
  }
}

export const playback = new PlaybackEngine();

export function togglePlay(): void {
  const s = useStudio.getState();
  if (!s.playing) {
    const end = layoutOf(s.shots).duration;
    const frame = s.frame >= end ? 0 : s.frame; // at the end, play from the start
    playback.audio.resume();
    useStudio.setState({ playing: end > 0, rate: 1, frame });
  } else useStudio.setState({ playing: false, rate: 1 });
}

/** J / K / L shuttle: repeated L (or J) doubles the speed up to 4×; K stops. */
export function shuttle(dir: -1 | 0 | 1): void {
  const s = useStudio.getState();
  if (dir === 0) {
    useStudio.setState({ playing: false, rate: 1 });
    return;
  }
  playback.audio.resume();
  const same = s.playing && Math.sign(s.rate) === dir;
  const rate = same ? Math.max(-4, Math.min(4, s.rate * 2)) : dir;
  useStudio.setState({ playing: true, rate });
}

export function seek(frame: number): void {
  const s = useStudio.getState();
  const end = layoutOf(s.shots).duration;
  useStudio.setState({ frame: Math.max(0, Math.min(Math.round(frame), end)) });
}
