// The person (or machine) on the simulated end of the line: a script of steps played in real
// time. Between steps the line carries silence, as a real one does. Steps:
//   { say: "…" }                 speech from flite (opts.speak), streamed at 20 ms a frame
//   { pcm16k: base64 } / { pcm8k } raw 16-bit little-endian mono PCM at 16 or 8 kHz
//   { pauseMs }                   silence
//   { dtmf: "12#" }               one `dtmf` message per digit, with realistic gaps
//   { waitForAgent: { quietMs?, timeoutMs? } }  until the agent has spoken and then been quiet
//   { hangup: true }              the caller hangs up
import { frameSamples, mulawEncode, mulawSilence, resample, sampleRate } from "./audio.ts";
import type { ScriptStep } from "./model.ts";

/** The caller's outgoing audio: queued phrases, taken 20 ms at a time, silence when none. */
export class CallerAudio {
  #queue: { pcm: Int16Array; offset: number; done: () => void }[] = [];

  /** Resolves once every sample has left on the line (or the line was flushed). */
  play(pcm: Int16Array): Promise<void> {
    return new Promise((resolve) => {
      if (pcm.length === 0) resolve();
      else this.#queue.push({ pcm, offset: 0, done: resolve });
    });
  }

  get busy(): boolean {
    return this.#queue.length > 0;
  }

  /** The next frame of μ-law and whether it carried queued audio. */
  nextFrame(): { frame: Uint8Array; audio: boolean } {
    const pcm = new Int16Array(frameSamples);
    let filled = 0;
    while (filled < frameSamples && this.#queue.length > 0) {
      const head = this.#queue[0];
      if (!head) break;
      const take = Math.min(frameSamples - filled, head.pcm.length - head.offset);
      pcm.set(head.pcm.subarray(head.offset, head.offset + take), filled);
      filled += take;
      head.offset += take;
      if (head.offset >= head.pcm.length) {
        this.#queue.shift();
        head.done();
      }
    }
    if (filled === 0) return { frame: new Uint8Array(frameSamples).fill(mulawSilence), audio: false };
    return { frame: mulawEncode(pcm), audio: true };
  }

  flush(): void {
    for (const q of this.#queue.splice(0)) q.done();
  }
}

export interface AgentActivity {
  /** Frames of agent audio at or above the speech threshold, played so far. */
  activeFrames: number;
  /** Ms since call start of the last such frame, or null. */
  lastActiveMs: number | null;
  /** Agent audio received but not yet played. */
  queuedBytes: number;
}

export interface ScriptLine {
  readonly signal: AbortSignal;
  nowMs(): number;
  speak(text: string): Int16Array;
  audio: CallerAudio;
  sendDtmf(digit: string): void;
  agentActivity(): AgentActivity;
  hangup(): void;
  record(kind: string, detail: Record<string, unknown>): void;
  speechSegment(startMs: number, endMs: number): void;
}

export const dtmfDigits = /^[0-9*#A-Da-dw]+$/;
const dtmfGapMs = 300;

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function pcmOf(base64: string, rate: number): Int16Array {
  const bytes = Buffer.from(base64, "base64");
  const pcm = new Int16Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return resample(pcm, rate, sampleRate);
}

async function playSpeech(line: ScriptLine, pcm: Int16Array): Promise<void> {
  const start = line.nowMs();
  await line.audio.play(pcm);
  line.speechSegment(start, line.nowMs());
}

async function waitForAgent(line: ScriptLine, quietMs: number, timeoutMs: number): Promise<boolean> {
  const started = line.nowMs();
  const baseline = line.agentActivity().activeFrames;
  while (!line.signal.aborted && line.nowMs() - started < timeoutMs) {
    const a = line.agentActivity();
    const spoke = a.activeFrames > baseline;
    if (spoke && a.queuedBytes === 0 && a.lastActiveMs !== null && line.nowMs() - a.lastActiveMs >= quietMs) return true;
    await sleep(20, line.signal);
  }
  return false;
}

/** Runs a script on the line until its end, a hang-up step, or the end of the call. */
export async function runScript(steps: ScriptStep[], line: ScriptLine): Promise<void> {
  for (const step of steps) {
    if (line.signal.aborted) return;
    if ("say" in step) {
      line.record("caller.say", { text: step.say });
      await playSpeech(line, line.speak(step.say));
    } else if ("pcm16k" in step) {
      await playSpeech(line, pcmOf(step.pcm16k, 16000));
    } else if ("pcm8k" in step) {
      await playSpeech(line, pcmOf(step.pcm8k, 8000));
    } else if ("pauseMs" in step) {
      await sleep(step.pauseMs, line.signal);
    } else if ("dtmf" in step) {
      for (const digit of step.dtmf) {
        if (line.signal.aborted) return;
        // "w" waits half a second, as in Twilio's SendDigits.
        if (digit === "w") await sleep(500, line.signal);
        else {
          line.sendDtmf(digit.toUpperCase());
          await sleep(dtmfGapMs, line.signal);
        }
      }
    } else if ("waitForAgent" in step) {
      const ok = await waitForAgent(line, step.waitForAgent.quietMs ?? 800, step.waitForAgent.timeoutMs ?? 20_000);
      if (!ok && !line.signal.aborted) line.record("caller.wait_timed_out", {});
    } else if ("hangup" in step) {
      line.hangup();
      return;
    }
  }
}

/** Checks a script from the control API; returns a message for the first bad step. */
export function validateScript(value: unknown): { steps: ScriptStep[] } | { error: string } {
  if (value === undefined || value === null) return { steps: [] };
  if (!Array.isArray(value) || value.length > 200) return { error: "script must be an array of at most 200 steps" };
  const steps: ScriptStep[] = [];
  for (const [i, raw] of value.entries()) {
    const s = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    const keys = Object.keys(s);
    if (keys.length !== 1) return { error: `step ${i} must have exactly one key` };
    if (typeof s.say === "string" && s.say.trim() !== "" && s.say.length <= 2000) steps.push({ say: s.say });
    else if (typeof s.pcm16k === "string" && s.pcm16k.length <= 20_000_000) steps.push({ pcm16k: s.pcm16k });
    else if (typeof s.pcm8k === "string" && s.pcm8k.length <= 20_000_000) steps.push({ pcm8k: s.pcm8k });
    else if (typeof s.pauseMs === "number" && s.pauseMs >= 0 && s.pauseMs <= 600_000) steps.push({ pauseMs: s.pauseMs });
    else if (typeof s.dtmf === "string" && dtmfDigits.test(s.dtmf) && s.dtmf.length <= 64) steps.push({ dtmf: s.dtmf });
    else if (s.hangup === true) steps.push({ hangup: true });
    else if (typeof s.waitForAgent === "object" && s.waitForAgent !== null) {
      const w = s.waitForAgent as Record<string, unknown>;
      const quietMs = w.quietMs;
      const timeoutMs = w.timeoutMs;
      const okNum = (n: unknown) => n === undefined || (typeof n === "number" && n >= 0 && n <= 600_000);
      if (!okNum(quietMs) || !okNum(timeoutMs)) return { error: `step ${i}: waitForAgent.quietMs/timeoutMs must be 0..600000` };
      steps.push({ waitForAgent: { ...(typeof quietMs === "number" ? { quietMs } : {}), ...(typeof timeoutMs === "number" ? { timeoutMs } : {}) } });
    } else return { error: `step ${i} is not one of say, pcm16k, pcm8k, pauseMs, dtmf, waitForAgent, hangup` };
  }
  return { steps };
}
