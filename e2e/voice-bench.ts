// How long a website visitor waits for the agent's answer: headless Chromium, the widget on a
// host page against a whole local stack (embedded database, wrangler dev, the voice runtime), the
// seeded demo agent on the real offline providers (pocketsphinx, the scripted brain, flite). The
// fake microphone says one scripted line after another; the page itself marks when the caller's
// voice stops (the microphone's level) and when the agent's first sound of the answer plays
// (where the page's audio reaches its speakers). Everything between is in the figure: capture,
// WebSocket, VAD, end-of-turn decision, STT final, brain, TTS, the way back and playback.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoAgentId } from "@speaknode/db";
import { buildPublicAssets, freePort, startLocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { fmt, summary } from "../scripts/bench/stats.ts";
import {
  captureSessionId,
  conversationWav,
  hostPageHtml,
  launchChromium,
  readVoiceMarks,
  sessionDetail,
  soundSpans,
  startHostPage,
  waitForState,
  watchVoice,
  type CallerLine,
  type SoundSpan,
  type VoiceMark,
} from "./lib.ts";

// Lines that end confidently: LiveKit's end-of-turn model (v1-mini, @livekit/local-inference
// 0.2.7) scores each ≥ 0.58 on flite's rms voice with 0.25 s of silence after it (English's
// threshold is 0.36), so the figure is the fast path of semantic turn detection, not its
// hesitation wait. Each opens with a greeting word, which the scripted brain answers with its
// short "Hello! This is Demo receptionist. How can I help you today?" (3.5 s); the pause after
// each line holds it even when the answer takes 6 s to start (a loaded machine today); a line the recogniser gets wrong draws the long fallback and the next line talks over
// it: that turn does not count (see `overlapped`).
const texts = [
  "hello there, how are you",
  "hello, can you hear me",
  "hi there, nice to meet you",
  "good morning, I need some help",
  "hello, thank you very much",
  "hey there, how is it going",
  "hello, how can you help me",
  "hi, how are you",
  "hello, are you there",
  "hi, nice to talk to you",
  "hey, how are you doing",
  "hi, I need a little help",
  "hello, good to hear you",
];
const lines: CallerLine[] = [...texts, ...texts].map((text) => ({ text, pauseAfterS: 11 }));
const minTurns = 20;
// The file starts when the page opens the microphone, before the call connects: long enough for
// the connection and the greeting (4.5 s of speech).
const leadS = 14;
// Pauses inside one line (commas) are shorter than this; the pauses between lines far longer.
const micJoinMs = 700;
// Gaps inside the agent's answer (between its sentences) are shorter than this.
const agentJoinMs = 250;

export interface TurnLatencies {
  /** Caller's end of speech → the agent's first sound after it, one per answered line. */
  latenciesMs: number[];
  /** Lines the agent was still (or already) speaking over: no clean turn to measure. */
  overlapped: number;
  /** Lines the agent did not answer before the next one began. */
  unanswered: number;
  heardLines: number;
}

/** Pairs each caller line the page heard with the agent's first sound after it. */
export function turnLatencies(marks: VoiceMark[]): TurnLatencies {
  const caller = soundSpans(marks, "mic", micJoinMs);
  const agent = soundSpans(marks, "agent", agentJoinMs);
  const out: TurnLatencies = { latenciesMs: [], overlapped: 0, unanswered: 0, heardLines: caller.length };
  caller.forEach((line: SoundSpan, i) => {
    const nextLineAt = caller[i + 1]?.startMs ?? Number.POSITIVE_INFINITY;
    if (agent.some((a) => a.startMs <= line.endMs && a.endMs >= line.startMs)) {
      out.overlapped += 1;
      return;
    }
    const answer = agent.find((a) => a.startMs > line.endMs);
    if (!answer || answer.startMs >= nextLineAt) out.unanswered += 1;
    else out.latenciesMs.push(answer.startMs - line.endMs);
  });
  return out;
}

/** The runtime's own voice-to-voice figure for the same call's answers (from the end of speech its VAD saw). */
async function runtimeVoiceToVoice(base: string, sessionId: string): Promise<number[]> {
  const ownerToken = await token(base);
  let detail = await sessionDetail(base, ownerToken, sessionId);
  for (let i = 0; i < 60 && detail.status !== "completed" && detail.status !== "failed"; i++) {
    await new Promise((r) => setTimeout(r, 500));
    detail = await sessionDetail(base, ownerToken, sessionId);
  }
  const turns = detail.turns as { role: string; metrics?: { voiceToVoiceMs?: number | null } }[];
  return turns.flatMap((t) => (t.role === "agent" && typeof t.metrics?.voiceToVoiceMs === "number" ? [t.metrics.voiceToVoiceMs] : []));
}

/** One call of the scripted caller's lines; BENCH web.offline.voice_to_voice.p50_ms and its note. */
export async function webVoiceToVoiceBench(): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), "speaknode-voice-bench-"));
  const stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  const host = await startHostPage(hostPageHtml(stack.url, demoAgentId));
  const browser = await launchChromium({ mic: "grant", micWav: conversationWav(join(scratch, "mic"), lines, leadS) });
  let result: TurnLatencies;
  let runtimeFigures: number[];
  try {
    const page = await (await browser.newContext()).newPage();
    await watchVoice(page);
    const sessionIdP = captureSessionId(page);
    await page.goto(`${host.url}?customer_name=Ada`);
    await waitForState(page, ["idle"], 20_000);
    await page.locator("speacknode-agent").getByRole("button").first().click();
    // Until every line was heard and the answer to the last one has played (or never came).
    const callS = leadS + lines.length * 14 + 60;
    const deadline = Date.now() + callS * 1000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the call did not finish within ${callS} s`);
      await new Promise((r) => setTimeout(r, 1000));
      const marks = await readVoiceMarks(page);
      const caller = soundSpans(marks, "mic", micJoinMs);
      const last = caller.at(-1);
      const now = (await page.evaluate("performance.now()")) as number;
      if (caller.length >= lines.length && last && now - last.endMs > 10_000) break;
    }
    result = turnLatencies(await readVoiceMarks(page));
    await page.locator("speacknode-agent").getByRole("button", { name: "End call" }).click();
    await waitForState(page, ["ended", "idle"], 20_000);
    runtimeFigures = await runtimeVoiceToVoice(stack.url, await sessionIdP);
  } finally {
    await browser.close();
    await host.close();
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const { latenciesMs, overlapped, unanswered, heardLines } = result;
  if (latenciesMs.length < minTurns) {
    throw new Error(`only ${latenciesMs.length} clean turns of ${lines.length} lines (heard ${heardLines}, overlapped ${overlapped}, unanswered ${unanswered}); the figure needs ${minTurns}`);
  }
  const page = summary(latenciesMs);
  const runtime = summary(runtimeFigures);
  return [
    `BENCH web.offline.voice_to_voice.p50_ms=${fmt(page.p50, 0)} ms`,
    `(one web call of headless Chromium to the demo agent on the offline providers (pocketsphinx, scripted brain, flite): median of ${latenciesMs.length} turns, p99 ${fmt(page.p99, 0)} ms, from the end of the caller's speech at the page's microphone (RMS > 0.01, flite rms lines that end confidently) to the agent's first audible sound at the page's speakers; ${heardLines} lines heard, ${overlapped} overlapped by the agent, ${unanswered} unanswered; the runtime's own voiceToVoiceMs for the same answers: p50 ${fmt(runtime.p50, 0)} ms over ${runtime.n}; all: ${latenciesMs.map((v) => fmt(v, 0)).join(", ")} ms)`,
  ];
}

if (process.argv[1] === import.meta.filename) {
  buildPublicAssets({ quiet: true });
  for (const line of await webVoiceToVoiceBench()) console.log(line);
  process.exit(0);
}
