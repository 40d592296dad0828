// Interruptions that are not: while the agent speaks, a scripted caller says backchannels ("yeah",
// "uh-huh", "okay", "mm-hmm") and coughs (a burst of noise); none of those may cut the reply short.
// And interruptions that are: the caller says "stop" or "wait, no" over the reply, and the agent
// must go quiet quickly.
//
// A full session (bench/harness.ts) with the agent's default turn settings (semantic end of turn,
// 200 ms minimum interruption, resume after a false interruption). The caller's sounds are real
// audio (flite's `rms` voice; the cough is generated noise) through Silero VAD; the fake STT answers
// each utterance with the words the bench scripted for it (a cough is heard as nothing).
//
// - runtime.false_interruptions: agent replies that ended interrupted (the library's `interrupted`
//   on the reply's chat message) although the caller only backchannelled or coughed over them.
// - runtime.bargein_stop_ms: the caller's first loud frame → the last agent frame it receives
//   before the agent goes quiet (median).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { voice, type llm } from "@livekit/agents";
import { FixedLatencySTT, FixedLatencyTTS } from "../test/fake-providers.ts";
import { speak } from "../test/speak.ts";
import { finishedUtterance } from "./overhead.ts";
import { percentile, rateHz, sleep, startBenchCall, stoppedAt, until } from "./harness.ts";

const backchannels = ["yeah", "uh-huh", "okay", "mm-hmm"];
const realInterruptions = ["stop", "wait, no"];
/** Each reply's tone lasts this long (msPerChar × the reply's 12 characters): room for a sound and the pause it causes. */
const replyMs = 3600;
const reply = "Okay, noted.";

/**
 * Replies to whatever the caller's turn says: a backchannel heard after the reply ended is an
 * ordinary turn, and it may merge with the next question ("yeah hello").
 */
class AnyInputLLM extends voice.testing.FakeLLM {
  /** Says nothing while set: an interruption's own turn gets no reply, so the agent stays quiet after it. */
  quiet = false;

  override lookup(): ReturnType<voice.testing.FakeLLM["lookup"]> {
    return this.quiet ? undefined : super.lookup("hello");
  }
}

/** A cough: 250 ms of noise at speech level with a fast attack and a decay (seeded, so every run hears the same). */
export function cough(rate = rateHz): Int16Array {
  const samples = new Int16Array(Math.round(rate * 0.25));
  let seed = 12345;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = seed / 0xffffffff - 0.5;
    const t = i / samples.length;
    const envelope = Math.min(1, t / 0.08) * Math.exp(-4 * t);
    samples[i] = Math.round(noise * 2 * 12000 * envelope);
  }
  return samples;
}

export async function falseInterruptionBench(opts: { replies?: number; bargeIns?: number } = {}): Promise<string[]> {
  const replies = opts.replies ?? 20;
  const bargeIns = opts.bargeIns ?? 10;
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
  try {
    const hello = speak(finishedUtterance, dir, rateHz);
    const sounds = new Map<string, Int16Array>([...backchannels, ...realInterruptions].map((t) => [t, speak(t, dir, rateHz)]));
    sounds.set("(cough)", cough());
    const tts = new FixedLatencyTTS({ ttfbMs: 100, msPerChar: replyMs / reply.length });
    const stt = new FixedLatencySTT({ latencyMs: 100, transcripts: [] });
    const llm = new AnyInputLLM([{ input: "hello", content: reply, ttft: 200 }]);
    const agentMessages: llm.ChatMessage[] = [];
    let resumed = 0;
    const call = await startBenchCall({
      dir,
      providers: { stt, llm, tts },
      onSession: (session) => {
        session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
          if (ev.item.type === "message" && ev.item.role === "assistant") agentMessages.push(ev.item);
        });
        session.on(voice.AgentSessionEventTypes.AgentFalseInterruption, (ev) => {
          if (ev.resumed) resumed += 1;
        });
      },
    });
    const { client, mic } = call;
    const agentState = () => call.session().agentState;

    /**
     * The caller asks once the agent is quiet (the greeting, or the last reply, played out: a
     * question over it would be a real interruption, and its message would be taken for this
     * reply's); resolves once the reply has played ~0.8 s at the caller.
     */
    const askForReply = async (label: string) => {
      const quiet = () => agentState() === "listening" && Date.now() - (client.received.at(-1)?.atMs ?? 0) > 300;
      if (!(await until(quiet, 20_000))) throw new Error(`${label}: the agent did not go quiet`);
      stt.script(["hello"]);
      const before = client.received.length;
      mic.say(hello);
      await until(() => !mic.speaking, 10_000);
      if (!(await until(() => client.received.length > before + 40, 10_000))) throw new Error(`${label}: no reply`);
    };
    /** The caller makes `sound` (recognised as `words`) over the reply; resolves at its first loud frame. */
    const overTheReply = async (sound: string, words: string) => {
      const audio = sounds.get(sound);
      if (!audio) throw new Error(`no audio for ${sound}`);
      stt.script([words]);
      mic.say(audio);
      await until(() => mic.firstSpeechSentAtMs > 0 || !mic.speaking, 5000);
      return mic.firstSpeechSentAtMs;
    };

    const cutShort: string[] = [];
    const noiseSounds = [...backchannels, "(cough)"];
    const stops: number[] = [];
    let dropped = 0;
    let leaked = 0;
    try {
      for (let i = 0; i < replies; i++) {
        const sound = noiseSounds[i % noiseSounds.length] ?? "(cough)";
        await askForReply(`reply ${i}`);
        // The reply is playing: the next agent message is its own.
        const messagesBefore = agentMessages.length;
        // A backchannel heard after the reply ended is an ordinary turn: it gets no reply of its own.
        llm.quiet = true;
        await overTheReply(sound, sound === "(cough)" ? "" : sound);
        // The reply (paused for a moment at most) plays to its end; its chat message says whether it was cut.
        await until(() => agentMessages.length > messagesBefore && agentState() === "listening", replyMs + 8000);
        const message = agentMessages[messagesBefore];
        if (!message || message.interrupted) cutShort.push(sound);
        await sleep(call.config.agent.turn.maxEndpointingDelayMs + 500);
        llm.quiet = false;
      }

      for (let i = 0; i < bargeIns; i++) {
        const words = realInterruptions[i % realInterruptions.length] ?? "stop";
        await askForReply(`barge-in ${i}`);
        const messagesBefore = agentMessages.length;
        llm.quiet = true;
        const speechStart = await overTheReply(words, words);
        await until(() => agentMessages.length > messagesBefore && agentState() === "listening", replyMs + 8000);
        await sleep(1000);
        const quietAt = stoppedAt(client.received, speechStart);
        stops.push(quietAt - speechStart);
        // Frames of the dropped reply after it went quiet (the paused output let out again before it was cleared).
        leaked += client.received.filter((f) => f.atMs > quietAt).length;
        if (agentMessages[messagesBefore]?.interrupted) dropped += 1;
        // The interruption is the caller's turn now; the end-of-turn model may think "wait, no" goes
        // on and hold it for the maximum delay: let it end before the next question.
        await sleep(call.config.agent.turn.maxEndpointingDelayMs + 500);
        llm.quiet = false;
      }
    } finally {
      await call.close();
    }
    const tally = noiseSounds.map((s) => `${s} ${cutShort.filter((c) => c === s).length}`).join(", ");
    return [
      `BENCH runtime.false_interruptions=${cutShort.length} replies`,
      `BENCH runtime.bargein_stop_ms=${percentile(stops, 50).toFixed(1)} ms`,
      `(${replies} agent replies of ${replyMs / 1000} s with a backchannel or a cough over each — cut short: ${tally}; ${resumed} paused replies resumed; barge-in: median of ${stops.length} real interruptions ("${realInterruptions.join('", "')}", p90 ${percentile(stops, 90).toFixed(1)} ms), from the caller's first loud frame to the last agent frame before the agent went quiet, including the VAD's speech detection and the 200 ms minimum interruption; ${dropped} of ${bargeIns} replies dropped on those words, ${leaked} frames of them arrived after the agent had gone quiet)`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
