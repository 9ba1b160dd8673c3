// Audio of the A1 track through Web Audio (seed §9): each clip's media is fetched and decoded once;
// while playing, the clip under the playhead has an AudioBufferSourceNode started at the right
// offset; if it drifts more than 0.3 s from the playhead it is stopped and restarted there. A muted
// track plays with gain 0.
import type { State } from "../store/store";
import type { TimelineLayout } from "../lib/layout";
import { clipAt } from "../lib/layout";

export const DRIFT_TOLERANCE_S = 0.3;

type Voice = { shotId: string; node: AudioBufferSourceNode; startedAt: number; offset: number };

export class AudioEngine {
  private ctx: AudioContext | null = null;
  private gain: GainNode | null = null;
  private buffers = new Map<string, Promise<AudioBuffer | null>>();
  private ready = new Map<string, AudioBuffer>();
  private voice: Voice | null = null;
  resyncs = 0;

  private context(): AudioContext | null {
    if (!this.ctx && typeof AudioContext !== "undefined") {
      this.ctx = new AudioContext();
      this.gain = this.ctx.createGain();
      this.gain.connect(this.ctx.destination);
    }
    return this.ctx;
  }

  /** Browsers start audio only after a gesture: called from play. */
  resume(): void {
    void this.context()?.resume().catch(() => undefined);
  }

  /** Decoded audio of a media URL (cached); null when it has none. */
  load(url: string): Promise<AudioBuffer | null> {
    let p = this.buffers.get(url);
    if (!p) {
      const ctx = this.context();
      p = !ctx ? Promise.resolve(null) : fetch(url).then((r) => r.arrayBuffer()).then((b) => ctx.decodeAudioData(b)).then((buf) => {
        this.ready.set(url, buf);
        return buf;
      }).catch(() => null);
      this.buffers.set(url, p);
    }
    return p;
  }

  tick(s: State, layout: TimelineLayout, playing: boolean): void {
    if (!this.ctx || !this.gain) {
      if (!playing) return;
      if (!this.context()) return;
    }
    this.gain!.gain.value = s.muted[2] ? 0 : 1;
    const clip = playing && s.rate === 1 ? clipAt(layout.tracks[2], s.frame) : null;
    const shot = clip ? s.shots[clip.id] : null;
    const url = clip ? s.takes[clip.id]?.video_url : null;
    if (!clip || !shot || !url) {
      this.stopVoice();
      return;
    }
    const fps = s.meta?.fps ?? 24;
    const buffer = this.ready.get(url);
    if (!buffer) {
      void this.load(url);
      this.stopVoice();
      return;
    }
    const want = (shot.trim_in + (s.frame - clip.start)) / fps; // seconds into the media
    if (this.voice && this.voice.shotId === clip.id) {
      const at = this.voice.offset + (this.ctx!.currentTime - this.voice.startedAt);
      if (Math.abs(at - want) <= DRIFT_TOLERANCE_S) return;
      this.resyncs++;
    }
    this.stopVoice();
    if (want >= buffer.duration) return;
    const node = this.ctx!.createBufferSource();
    node.buffer = buffer;
    node.connect(this.gain!);
    const remaining = (clip.end - s.frame) / fps;
    node.start(0, want, Math.max(0, remaining));
    this.voice = { shotId: clip.id, node, startedAt: this.ctx!.currentTime, offset: want };
  }

  private stopVoice(): void {
    if (!this.voice) return;
    try {
      this.voice.node.stop();
    } catch {
      /* already ended */
    }
    this.voice.node.disconnect();
    this.voice = null;
  }

  stopAll(): void {
    this.stopVoice();
  }
}
