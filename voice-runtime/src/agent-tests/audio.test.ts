// Audio-mode conversations on the offline providers, with real audio: flite speaks the caller's
// lines in real time into a session whose Silero VAD, pocketsphinx STT, turn detection and
// interruption rules decide what was said; the scripted LLM answers and flite's voice plays out in
// real time. Lines are written with capitals and punctuation pocketsphinx never outputs, so a user
// turn in lower case without punctuation is what the agent heard, not the script.
import { voice } from "@livekit/agents";
import type { RuntimeConfig, RuntimePhone } from "@speaknode/contracts";
import { afterEach, describe, expect, it } from "vitest";
import { ProviderRegistry, type SessionProviders } from "../providers/registry.ts";
import { buildAgent, localeOf } from "../session/agent-builder.ts";
import { turnPlanFor } from "../session/turn-handling.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { runtimeConfig, sessionId } from "../../test/fixtures.ts";
import { runAudioConversation } from "./audio.ts";
import { ConversationLog, type CallerScript } from "./log.ts";

const registry = new ProviderRegistry({ openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined });
let providers: SessionProviders | undefined;

afterEach(async () => {
  await providers?.closeAll();
  providers = undefined;
});

const phoneLine: RuntimePhone = {
  provider: "twilio",
  direction: "inbound",
  from: "+14155550100",
  to: "+14155550199",
  providerCallId: "CA00000000000000000000000000000001",
  recordingEnabled: false,
  voicemail: { action: "hang_up", message: "" },
};

/** An agent on the offline providers: scripted LLM, pocketsphinx, flite's rms voice. */
function offlineConfig(phone: boolean): RuntimeConfig {
  const base = runtimeConfig({
    sessionId: sessionId(),
    llm: "scripted",
    locales: [{ language: "en-US", firstMessage: "Hello Ada.", tts: { provider: "flite", model: "flite", voice: "rms", params: {} }, speed: 1, background: { sound: "none", volume: 0 } }],
  });
  return { ...base, channel: phone ? "phone" : "test", phone: phone ? phoneLine : null, agent: { ...base.agent, stt: { provider: "pocketsphinx", model: "en-us", params: {} } } };
}

async function agentFor(config: RuntimeConfig, phone: boolean): Promise<voice.Agent> {
  providers = registry.forSession();
  await providers.use(config);
  const language = localeOf(config, config.language).language;
  const turn = turnPlanFor(config, { phone }, language);
  const vad = await providers.vad(turn.vad);
  const unused = () => {
    throw new Error("not in these tests");
  };
  return buildAgent({
    config,
    language,
    providers,
    vad,
    turn,
    guard: createHttpGuard({ allowPrivateHosts: [] }),
    maxResponseChars: 8000,
    toolHooks: { say: unused, onCall: () => {}, transfer: unused },
    control: { endCall: () => {}, prepareTransfer: unused, switchLanguage: unused, sendDtmf: unused, transferToNumber: unused, onToolCall: () => {} },
    greetOnEnter: false,
  });
}

const script = (lines: string[]): CallerScript => ({ nextLine: async () => lines.shift() ?? null });

/** The log, also noting the agent's messages the caller cut off. */
class WatchedLog extends ConversationLog {
  readonly interrupted: string[] = [];
  override attach(session: voice.AgentSession): void {
    super.attach(session);
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, ({ item }) => {
      if (item.type === "message" && item.role === "assistant" && item.interrupted) this.interrupted.push(item.textContent ?? "");
    });
  }
}

async function converse(lines: string[], opts: { phone: boolean; replyTimeoutMs?: number }) {
  const config = offlineConfig(opts.phone);
  const log = new WatchedLog();
  const startedAt = Date.now();
  await runAudioConversation({
    agent: await agentFor(config, opts.phone),
    config,
    providers: providers!,
    caller: script(lines),
    log,
    phone: opts.phone,
    deadlineMs: Date.now() + 50_000,
    ...(opts.replyTimeoutMs ? { replyTimeoutMs: opts.replyTimeoutMs } : {}),
  });
  return { log, turns: log.turns(), tookMs: Date.now() - startedAt };
}

const heardLike = (pattern: RegExp) => expect.stringMatching(new RegExp(`^(?=.*${pattern.source})[a-z' ]+$`));

describe("an audio conversation", () => {
  it("speaks each line to a web caller's agent and logs what it heard and answered", async () => {
    const { turns, tookMs } = await converse(["Hello, there!", "Good morning!", "Goodbye!"], { phone: false });
    console.info(`three-line web audio case: ${tookMs} ms`);
    expect(turns.map((t) => t.role)).toEqual(["agent", "user", "agent", "user", "agent", "user", "agent"]);
    expect(turns[0]?.text).toBe("Hello Ada.");
    expect(turns[1]?.text).toEqual(heardLike(/hello/));
    expect(turns[2]?.text).toMatch(/How can I help you today/);
    expect(turns[3]?.text).toEqual(heardLike(/morning/));
    expect(turns[4]?.text).toMatch(/How can I help you today/);
    expect(turns[5]?.text).toEqual(heardLike(/bye/));
    expect(turns[6]?.text).toMatch(/Goodbye, and thanks/);
  }, 60_000);

  it("carries a phone caller's lines over 8 kHz μ-law and is still understood", async () => {
    const { turns } = await converse(["Hello, there!", "Goodbye!"], { phone: true });
    expect(turns.map((t) => t.role)).toEqual(["agent", "user", "agent", "user", "agent"]);
    expect(turns[1]?.text).toEqual(heardLike(/hello/));
    expect(turns[2]?.text).toMatch(/How can I help you today/);
    expect(turns[3]?.text).toEqual(heardLike(/bye/));
    expect(turns[4]?.text).toMatch(/Goodbye, and thanks/);
  }, 60_000);

  it("lets a line said over a long reply interrupt it, and answers the line", async () => {
    // The scripted LLM's long "didn't catch that" reply runs for seconds; the caller listens to 2 s of it.
    const { log, turns } = await converse(["Tell me something!", "Hello, there!"], { phone: false, replyTimeoutMs: 2000 });
    expect(log.interrupted).toHaveLength(1);
    expect(log.interrupted[0]).toMatch(/scripted demo assistant/);
    const lastUser = turns.filter((t) => t.role === "user").at(-1);
    expect(lastUser?.text).toEqual(heardLike(/hello/));
    expect(turns.at(-1)?.text).toMatch(/How can I help you today/);
  }, 60_000);
});
