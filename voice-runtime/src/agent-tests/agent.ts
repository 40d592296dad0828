// The agent a test case talks to, built by the session's own builder (session/agent-builder.ts)
// from the configuration the Worker built exactly as a session's: same instructions, LLM, tools
// and turn handling. Only what reaches outside differs: webhook tools answer from the case's
// mocks, system tools act on a recorded call (control.ts), and a hand-off builds its target from
// the configurations sent with the case. Text mode makes no speech stages at all.
import { llm, type VAD, type voice } from "@livekit/agents";
import type { RuntimeConfig } from "@speaknode/contracts";
import { ProviderRegistry, SessionProviders } from "../providers/registry.ts";
import { buildAgent, instructionsFor, localeOf, sttOptions, type AgentSetup, type SpeaknodeAgent } from "../session/agent-builder.ts";
import type { SessionControl } from "../session/system-tools.ts";
import { warmTurnDetection } from "../session/turn-eot.ts";
import { turnPlanFor, type TurnPlan } from "../session/turn-handling.ts";
import type { HttpGuard } from "../tools/http-guard.ts";
import type { WebhookToolHooks } from "../tools/types.ts";
import { recordingControl, testToolCall } from "./control.ts";
import type { ConversationLog } from "./log.ts";
import type { MockBook } from "./mocks.ts";

/**
 * A session's providers without speech recognition or synthesis: a text conversation has no
 * audio, and a real recogniser would start a decoder process for every case. The agent then has
 * no STT or TTS, which the library accepts when there is no audio input or output.
 */
export class TextOnlyProviders extends SessionProviders {
  override stt(): never {
    return undefined as never;
  }

  override tts(): never {
    return undefined as never;
  }
}

export interface TestAgentOptions {
  config: RuntimeConfig;
  /** The agents a hand-off may reach. */
  transferConfigs: readonly RuntimeConfig[];
  registry: ProviderRegistry;
  guard: HttpGuard;
  maxResponseChars: number;
  log: ConversationLog;
  mocks: MockBook;
  /** Audio mode: the agent gets its speech recognition and voice. */
  speech: boolean;
}

/** One test case's agent side: the agent that answers first, and what built it. */
export class TestAgent {
  readonly providers: SessionProviders;
  readonly control: SessionControl;
  readonly phone: boolean;
  #o: TestAgentOptions;
  #agent: SpeaknodeAgent | undefined;
  #config: RuntimeConfig;
  #language: string;
  /** Hand-offs a tool's transfer rule started after its result; the session runs them later. */
  readonly #pending: Promise<unknown>[] = [];
  #session: voice.AgentSession | undefined;

  constructor(o: TestAgentOptions) {
    this.#o = o;
    this.#config = o.config;
    this.#language = localeOf(o.config, o.config.language).language;
    this.phone = o.config.phone !== null;
    this.providers = o.speech ? o.registry.forSession() : new TextOnlyProviders(o.registry);
    this.control = recordingControl({
      log: o.log,
      phone: this.phone,
      session: () => this.session,
      handoffTo: (agentId) => this.#handoffTo(agentId),
      switchLanguage: (language) => this.#switchLanguage(language),
    });
  }

  /** The agent answering now (a hand-off replaces it). */
  get agent(): SpeaknodeAgent {
    if (!this.#agent) throw new Error("the test agent is not built yet");
    return this.#agent;
  }

  /**
   * The session the agents run in (audio mode makes its own). Remembered: between a hand-off's
   * build and the library switching to it, the new agent has no session yet.
   */
  get session(): voice.AgentSession {
    try {
      this.#session = this.agent.session;
    } catch (err) {
      if (!this.#session) throw err;
    }
    return this.#session;
  }

  get config(): RuntimeConfig {
    return this.#config;
  }

  get language(): string {
    return this.#language;
  }

  readonly #hooks: WebhookToolHooks = {
    say: (text) => {
      const handle = this.session.say(text, { allowInterruptions: true, addToChatCtx: false });
      return { interrupt: () => void handle.interrupt(), done: handle.waitForPlayout().then(() => undefined) };
    },
    onCall: (record) => this.#o.log.recordToolCall(testToolCall(record, this.#o.mocks.isMocked(record.name, record.request))),
    transfer: (targetAgentId) => {
      const handoff = this.#handoffTo(targetAgentId)
        .then((next) => this.session.updateAgent(next))
        .catch(() => undefined); // the hand-off expectation reports what did not happen
      this.#pending.push(handoff);
    },
    mock: (tool, args) => this.#o.mocks.answer(tool, args),
  };

  /** Vets provider access (a space's keys go to their own vetted URLs only) and builds the first agent. */
  async start(): Promise<SpeaknodeAgent> {
    this.#agent = await this.#build(this.#config, this.#language, undefined, false);
    return this.#agent;
  }

  async #build(config: RuntimeConfig, language: string, chatCtx: llm.ChatContext | undefined, greetOnEnter: boolean): Promise<SpeaknodeAgent> {
    const turn: TurnPlan = turnPlanFor(config, { phone: this.phone }, language);
    if (this.#o.speech && turn.semantic) await warmTurnDetection();
    const vad: VAD = await this.providers.vad(turn.vad);
    await this.providers.use(config);
    const setup: AgentSetup = {
      config,
      language,
      providers: this.providers,
      vad,
      turn,
      guard: this.#o.guard,
      maxResponseChars: this.#o.maxResponseChars,
      toolHooks: this.#hooks,
      control: this.control,
      greetOnEnter,
      ...(chatCtx ? { chatCtx } : {}),
    };
    return buildAgent(setup);
  }

  async #handoffTo(agentId: string): Promise<SpeaknodeAgent> {
    const target = this.#o.transferConfigs.find((c) => c.agentId === agentId);
    if (!target) throw new HandoffTargetMissing(agentId);
    const language = target.locales.some((l) => l.language === this.#language) ? this.#language : localeOf(target, target.agent.defaultLanguage).language;
    const chatCtx = this.agent.chatCtx.copy({ excludeInstructions: true });
    const next = await this.#build(target, language, chatCtx, true);
    this.#o.log.recordHandoff(target.agent.name, target.agentId);
    this.#config = target;
    this.#language = language;
    this.#agent = next;
    return next;
  }

  async #switchLanguage(language: string): Promise<void> {
    const locale = localeOf(this.#config, language);
    if (locale.language !== language) throw new Error(`the agent does not speak ${language}`);
    if (this.#o.speech) {
      await this.agent.updateOptions({ stt: this.providers.stt(this.#config.agent.stt, language, sttOptions(this.#config, this.agent.vad)), tts: this.providers.tts(locale) });
    }
    await this.agent.updateInstructions(instructionsFor(this.#config, language));
    this.#language = language;
  }

  /** Waits for the hand-offs under way (the conversation goes on with the new agent). */
  async settled(): Promise<boolean> {
    const pending = this.#pending.splice(0);
    await Promise.all(pending);
    return pending.length > 0;
  }

  async close(): Promise<void> {
    await this.providers.closeAll();
  }
}

/** A hand-off to an agent whose configuration the test was not given. */
export class HandoffTargetMissing extends llm.ToolError {
  constructor(agentId: string) {
    super(`the hand-off target ${agentId} was not sent with the test case`);
    this.name = "HandoffTargetMissing";
  }
}

/** Builds the test agent and its first agent (provider access vetted first). */
export async function buildTestAgent(o: TestAgentOptions): Promise<TestAgent> {
  const built = new TestAgent(o);
  await built.start();
  return built;
}
