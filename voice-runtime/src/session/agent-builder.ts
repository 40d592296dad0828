// Builds the `voice.Agent` one configuration runs as: instructions, the language's speech
// recognition and voice, webhook tools and system tools. A transfer builds another from the
// target's configuration, carrying the conversation so far.
import { voice, type llm, type VAD } from "@livekit/agents";
import type { Locale, RuntimeConfig, RuntimeWebhookTool } from "@speaknode/contracts";
import type { SessionProviders } from "../providers/registry.ts";
import type { HttpGuard } from "../tools/http-guard.ts";
import type { WebhookToolHooks } from "../tools/types.ts";
import { createWebhookTool } from "../tools/webhook.ts";
import { systemTools, type SessionControl, type ToolList } from "./system-tools.ts";
import type { TurnPlan } from "./turn-handling.ts";

export interface AgentSetup {
  config: RuntimeConfig;
  language: string;
  providers: SessionProviders;
  /** The session's VAD, built from `turn.vad` (`sttSegmentationVad`): it segments the STT too. */
  vad: VAD;
  /** How this agent takes turns (a transfer's target brings its own). */
  turn: TurnPlan;
  guard: HttpGuard;
  maxResponseChars: number;
  toolHooks: WebhookToolHooks;
  control: SessionControl;
  /** The conversation so far, for a transfer. */
  chatCtx?: llm.ChatContext;
  /** Say the first message when the agent takes over (transfers); the runner greets otherwise. */
  greetOnEnter: boolean;
}

export class UnknownLanguageError extends Error {
  override name = "UnknownLanguageError";
}

export function localeOf(config: RuntimeConfig, language: string): Locale {
  const locale = config.locales.find((l) => l.language === language) ?? config.locales.find((l) => l.language === config.agent.defaultLanguage) ?? config.locales[0];
  if (!locale) throw new UnknownLanguageError("the agent has no locales");
  return locale;
}

export function instructionsFor(config: RuntimeConfig, language: string): string {
  const others = config.locales.map((l) => l.language).filter((l) => l !== language);
  const lines = [config.agent.systemPrompt.trim(), `Speak ${language}.`, "You are on a voice call: answer in short spoken sentences, no markdown, lists or emoji."];
  if (others.length > 0 && config.tools.some((t) => t.type === "system" && t.name === "switch_language")) {
    lines.push(`If the caller prefers ${others.join(" or ")}, switch with the switch_language tool.`);
  }
  return lines.filter((l) => l.length > 0).join("\n\n");
}

/** An agent of ours: greets on taking over from another agent. */
export class SpeaknodeAgent extends voice.Agent {
  readonly config: RuntimeConfig;
  readonly language: string;
  readonly #greet: string | undefined;

  constructor(options: voice.AgentOptions<unknown>, config: RuntimeConfig, language: string, greet: string | undefined) {
    super(options);
    this.config = config;
    this.language = language;
    this.#greet = greet;
  }

  override async onEnter(): Promise<void> {
    if (this.#greet) this.session.say(this.#greet, { allowInterruptions: this.config.agent.vad.allowInterruptionsDuringFirstMessage });
  }
}

export function buildAgent(setup: AgentSetup): SpeaknodeAgent {
  const { config, language, providers } = setup;
  const locale = localeOf(config, language);
  const tools: ToolList = [];
  for (const def of config.tools.filter((t): t is RuntimeWebhookTool & { type: "webhook" } => t.type === "webhook")) {
    tools.push(createWebhookTool(def, { variables: config.variables, guard: setup.guard, maxResponseChars: setup.maxResponseChars, hooks: setup.toolHooks }));
  }
  tools.push(...systemTools(config, setup.control));
  return new SpeaknodeAgent(
    {
      instructions: instructionsFor(config, locale.language),
      tools,
      llm: providers.llm(config.agent.llm, { temperature: config.agent.temperature, agentName: config.agent.name, firstMessage: locale.firstMessage }),
      // The session's VAD cuts the STT's utterances too, so a streaming STT's final comes when
      // the session hears the end of speech and the turn can end on the minimum delay.
      stt: providers.stt(config.agent.stt, locale.language, sttOptions(config, setup.vad)),
      tts: providers.tts(locale),
      vad: setup.vad,
      // The end of turn and its delays are the agent's own, so a transfer's target keeps its settings.
      turnHandling: setup.turn.handling,
      ...(setup.chatCtx ? { chatCtx: setup.chatCtx } : {}),
    },
    config,
    locale.language,
    setup.greetOnEnter && locale.firstMessage ? locale.firstMessage : undefined,
  );
}

/**
 * How the call's STT is made: on the web, the offline recogniser streams, cut by the session's
 * VAD; on the phone (8 kHz) it recognises each whole utterance the library's VAD adapter hands it,
 * with the utterance's own cepstral mean — streaming recognised phone questions far worse.
 */
export function sttOptions(config: RuntimeConfig, vad: VAD | undefined): { vad?: VAD; phone: boolean } {
  const phone = config.phone !== null;
  return phone || !vad ? { phone } : { vad, phone };
}
