// The agent text tap on its own: what it reports through a real SessionReporter (with a sink that
// keeps what was pushed), on fake timers, and what it passes on to the next output in its chain.
import { llm, voice } from "@livekit/agents";
import type { RuntimeEvent } from "@speaknode/contracts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentTextTap, tapAgentText } from "./agent-text.ts";
import { SessionReporter } from "./reporter.ts";

/** The next output in the chain, keeping what reaches it (an exported TextOutput subclass, as the tap is). */
class KeepingOutput extends voice.ParalellTextOutput {
  readonly captured: (string | voice.TimedString)[] = [];
  flushes = 0;
  attached = 0;
  detached = 0;
  constructor() {
    super([]);
  }
  override async captureText(text: string | voice.TimedString): Promise<void> {
    this.captured.push(text);
  }
  override flush(): void {
    this.flushes += 1;
  }
  override onAttached(): void {
    this.attached += 1;
  }
  override onDetached(): void {
    this.detached += 1;
  }
}

function reported() {
  const pushed: RuntimeEvent[] = [];
  const reporter = new SessionReporter({ push: (event) => void pushed.push(event) }, "en-US");
  const session = new voice.AgentSession({});
  reporter.attach(session);
  const partials = () => pushed.flatMap((e) => (e.type === "transcript.partial" ? [[e.turnId, e.text] as const] : []));
  /** The library adding the agent's message to the conversation: the reporter reports its final turn. */
  const agentSaid = (text: string) =>
    session.emit(voice.AgentSessionEventTypes.ConversationItemAdded, { type: "conversation_item_added", item: llm.ChatMessage.create({ role: "assistant", content: text }), createdAt: Date.now() });
  return { pushed, reporter, session, partials, agentSaid };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("the agent text tap", () => {
  it("reports the agent's growing text at once, then at most every 150 ms, and the whole segment when it is flushed", async () => {
    const { reporter, partials } = reported();
    const tap = new AgentTextTap(reporter, null);
    await tap.captureText("Hello");
    expect(partials()).toEqual([["a1", "Hello"]]);
    await vi.advanceTimersByTimeAsync(50);
    await tap.captureText(" there,");
    await tap.captureText(" how");
    expect(partials()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(partials()).toEqual([
      ["a1", "Hello"],
      ["a1", "Hello there, how"],
    ]);
    await tap.captureText(" can I");
    await vi.advanceTimersByTimeAsync(20);
    await tap.captureText(" help?");
    tap.flush();
    expect(partials().at(-1)).toEqual(["a1", "Hello there, how can I help?"]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(partials()).toHaveLength(3);
  });

  it("takes the text of timed strings (TTS-aligned transcripts)", async () => {
    const { reporter, partials } = reported();
    const tap = new AgentTextTap(reporter, null);
    await tap.captureText(voice.createTimedString({ text: "Good ", startTime: 0, endTime: 0.2 }));
    await tap.captureText(voice.createTimedString({ text: "morning", startTime: 0.2, endTime: 0.5 }));
    tap.flush();
    expect(partials()).toEqual([
      ["a1", "Good"],
      ["a1", "Good morning"],
    ]);
  });

  it("passes every chunk, flush, attach and detach on to the next output in the chain, unchanged", async () => {
    const { reporter } = reported();
    const next = new KeepingOutput();
    const tap = new AgentTextTap(reporter, next);
    const timed = voice.createTimedString({ text: " world", startTime: 0.1 });
    await tap.captureText("Hello");
    await tap.captureText(timed);
    tap.flush();
    tap.onAttached();
    tap.onDetached();
    expect(next.captured).toEqual(["Hello", timed]);
    expect(next.flushes).toBe(1);
    expect(next.attached).toBe(1);
    expect(next.detached).toBe(1);
  });

  it("stands in front of the session's transcription output, which still receives the text", async () => {
    const { reporter, session } = reported();
    const existing = new KeepingOutput();
    session.output.transcription = existing;
    const tap = tapAgentText(session, reporter);
    expect(session.output.transcription).toBe(tap);
    await tap.captureText("Hi");
    expect(existing.captured).toEqual(["Hi"]);
  });

  it("numbers each segment after the reporter's agent turns and never reports a turn after its final text", async () => {
    const { reporter, partials, agentSaid, pushed } = reported();
    const tap = new AgentTextTap(reporter, null);
    await tap.captureText("Hello Ada!");
    tap.flush();
    agentSaid("Hello Ada!");
    await tap.captureText("Your order");
    await tap.captureText(" has shipped.");
    // The turn is final before the pending report is due (an interrupted reply is committed before its text is flushed).
    agentSaid("Your order");
    await vi.advanceTimersByTimeAsync(500);
    tap.flush();
    await tap.captureText("Anything else?");
    tap.flush();
    expect(partials()).toEqual([
      ["a1", "Hello Ada!"],
      ["a2", "Your order"],
      ["a3", "Anything else?"],
    ]);
    const a2Final = pushed.findIndex((e) => e.type === "turn" && e.turnId === "a2");
    expect(pushed.slice(a2Final).some((e) => e.type === "transcript.partial" && e.turnId === "a2")).toBe(false);
  });

  it("drops what is pending when it is detached (the session closing), reporting nothing after", async () => {
    const { reporter, partials } = reported();
    const tap = new AgentTextTap(reporter, null);
    await tap.captureText("Goodbye");
    await tap.captureText(" and thanks");
    tap.onDetached();
    await vi.advanceTimersByTimeAsync(1000);
    expect(partials()).toEqual([["a1", "Goodbye"]]);
  });
});
