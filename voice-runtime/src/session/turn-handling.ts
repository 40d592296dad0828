// When the caller's turn is over, from the agent's turn settings (contracts/turn-taking.ts):
//
// - semantic: LiveKit's local end-of-turn model ("v1-mini", run in-process by turn-eot.ts) judges
//   each pause. The library asks it at 200 ms of silence; at the VAD's end of speech the turn ends
//   after `minEndpointingDelayMs` when the model is confident, or `maxEndpointingDelayMs` when it
//   thinks the caller is mid-thought (both counted from the end of the voice). The VAD's silence
//   is shortened to the minimum delay so its end of speech does not come later than the turn
//   should end (never below the 250 ms the library requires beside the model). A language the
//   model does not know, or a runtime where it cannot load, takes the VAD's timing instead.
// - vad: the turn ends after the VAD's minimum silence (`vad.minSilenceMs`), as before.
//
// Phone calls take the phone's overrides. The same silence goes to a streaming STT's own VAD
// (`sttSegmentationVad`) so its final transcript comes at the moment the session's VAD ends the
// speech: the turn commits only once that final is there.
import { inference } from "@livekit/agents";
import {
  baseLanguageOf,
  turnSettingsForChannel,
  type RuntimeConfig,
  type TurnSettings,
  type VadSettings,
} from "@speaknode/contracts";
import type { z } from "zod";
import { ContinuationTurnDetector, type ContinuationCue } from "./turn-continuation.ts";
import { endOfTurnModelAvailable, localEotExecutor } from "./turn-eot.ts";

type Vad = z.infer<typeof VadSettings>;

/** Which channel a call is on: phone calls (8 kHz) take the phone's overrides. */
export interface TurnChannel {
  phone: boolean;
}

/** The library's floor for the VAD's silence beside a streaming turn detector (200 ms + 50). */
export const MIN_SEMANTIC_VAD_SILENCE_MS = 250;
/**
 * How long after the caller's voice stopped the agent waits, paused, for a transcript before it
 * takes the sound for no turn and resumes. A final transcript that is no turn resumes it at once
 * (turn-interruptions.ts); this covers noises that never get one.
 */
export const FALSE_INTERRUPTION_TIMEOUT_MS = 1000;
/** The VAD mode's endpointing: a short delay absorbs a final transcript arriving late. */
const VAD_ENDPOINTING = { minDelay: 200, maxDelay: 3000 } as const;

export interface TurnPlan {
  /** The agent's settings with the channel's overrides applied. */
  settings: TurnSettings;
  /** The end-of-turn model decides (false: the VAD's silence does). */
  semantic: boolean;
  /** The session's VAD: the agent's, with the silence semantic detection needs. */
  vad: Vad;
  /** The library's turn handling options for the AgentSession. */
  handling: {
    turnDetection: "vad" | inference.TurnDetector;
    endpointing: { mode: "fixed"; minDelay: number; maxDelay: number };
    interruption: {
      mode: "vad";
      enabled: true;
      minDuration: number;
      minWords: number;
      resumeFalseInterruption: boolean;
      falseInterruptionTimeout: number;
    };
    preemptiveGeneration: { enabled: boolean; preemptiveTts: false };
  };
}

/** True when the local end-of-turn model has calibrated thresholds for the language. */
export function semanticSupports(language: string): boolean {
  return Object.hasOwn(inference.LOCAL_LANGUAGES, baseLanguageOf(language));
}

/**
 * The turn-taking of one call: the agent's settings, its channel and its current language. With
 * the session's `cue`, a caller whose transcript ends mid-sentence ("… order a") is held for the
 * maximum delay whatever the audio model says (turn-continuation.ts).
 */
export function turnPlanFor(config: Pick<RuntimeConfig, "agent">, channel: TurnChannel, language: string, cue?: ContinuationCue): TurnPlan {
  const settings = turnSettingsForChannel(config.agent.turn, channel.phone);
  const agentVad = config.agent.vad;
  const semantic = settings.detection === "semantic" && semanticSupports(language) && endOfTurnModelAvailable();
  const vad: Vad = semantic
    ? { ...agentVad, minSilenceMs: Math.max(MIN_SEMANTIC_VAD_SILENCE_MS, Math.min(agentVad.minSilenceMs, settings.minEndpointingDelayMs)) }
    : agentVad;
  const endpointing = semantic
    ? { mode: "fixed" as const, minDelay: settings.minEndpointingDelayMs, maxDelay: settings.maxEndpointingDelayMs }
    : { mode: "fixed" as const, ...VAD_ENDPOINTING };
  const { interruption } = settings;
  return {
    settings,
    semantic,
    vad,
    handling: {
      turnDetection: semantic ? turnDetector(cue) : "vad",
      endpointing,
      interruption: {
        mode: "vad",
        enabled: true,
        minDuration: interruption.minDurationMs,
        // With resuming on, the agent pauses at `minDuration` of voice and our word rule decides
        // on the final transcript (turn-interruptions.ts); the library's own word count would
        // hold the pause until an interim transcript has the words, too late for a barge-in.
        // With resuming off there is no pause to take back: the library's count is the only rule.
        minWords: interruption.resumeFalseInterruption ? 0 : interruption.minWords,
        resumeFalseInterruption: interruption.resumeFalseInterruption,
        falseInterruptionTimeout: FALSE_INTERRUPTION_TIMEOUT_MS,
      },
      // Preemptive replies are safe with what the library defers: the LLM starts on the final
      // transcript, but tool calls run only once the reply is scheduled and authorized (the turn
      // confirmed), so no webhook, transfer or end_call fires for a reply that is discarded. The
      // speech synthesis is not started early (`preemptiveTts` off): it would bill characters and
      // make audio for replies the caller's next words throw away. What a discarded reply costs
      // is its LLM tokens (counted in the session's usage and its token limit).
      preemptiveGeneration: { enabled: settings.preemptiveGeneration, preemptiveTts: false },
    },
  };
}

function turnDetector(cue: ContinuationCue | undefined): inference.TurnDetector {
  const options = { version: "v1-mini", executor: localEotExecutor } as const;
  return cue ? new ContinuationTurnDetector(options, cue) : new inference.TurnDetector(options);
}

/**
 * The AgentSession's turn handling for a configuration on a channel (the bench and the runner).
 * `language` defaults to the agent's default language. Without a session there is no lexical cue:
 * the audio model alone judges.
 */
export function turnHandlingFor(config: Pick<RuntimeConfig, "agent">, channel: TurnChannel = { phone: false }, language = config.agent.defaultLanguage): TurnPlan["handling"] {
  return turnPlanFor(config, channel, language).handling;
}

/**
 * The VAD settings a streaming STT segments its utterances with: the session's, so its final
 * transcript comes when the session's VAD ends the speech. The agent passes the session's VAD
 * built from them to the registry (`stt(..., { vad })`, agent-builder.ts).
 */
export function sttSegmentationVad(plan: TurnPlan): Vad {
  return plan.vad;
}
