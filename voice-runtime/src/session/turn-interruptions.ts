// What counts as an interruption. The library pauses the agent's audio once the caller's voice
// has lasted `interruption.minDuration` (turn-handling.ts), and then drops the reply on ANY final
// transcript (`onFinalTranscript` → `cancelSpeechPause`) or committed turn. Our rule, while the
// agent's reply is paused or playing: a final transcript that is empty, has fewer than `minWords`
// words, or is only backchannels ("yeah", "uh-huh", per language) is no turn — the reply is not
// dropped, it resumes at once (not after the library's false-interruption timeout), and the words
// are not committed as a user turn. Anything else interrupts as the library does. When the agent
// is silent, a backchannel is a normal turn.
//
// Two orderings of the library are corrected on the way. A dropped reply: `cancelSpeechPause`
// interrupts the paused reply and resumes the output at once, before the reply's task clears the
// output's buffer, so the paused reply's next frames went out again after the agent had gone
// quiet; the output now stays paused until the interrupted reply is done (its audio cleared). And
// the end of the caller's speech decides only on words heard during that speech: a backchannel
// whose turn never ended (the caller spoke again first) stays in the library's transcript, and
// must not resume the reply when the caller's next, real words have no transcript yet.
//
// `AgentActivity` is not exported: its prototype is reached through `session._activity` and six
// hooks are wrapped once per process (onStartOfSpeech, onFinalTranscript, onEndOfSpeech,
// onEndOfTurn, onPreemptiveGeneration, cancelSpeechPause). Sessions without rules registered here keep the library's behaviour.
// The wrappers lean on the internals listed in `ACTIVITY_INTERNALS`, checked against the
// version they were written for (turn-interruptions.test.ts fails if they change).
import { readFileSync } from "node:fs";
import { voice, type llm } from "@livekit/agents";
import { backchannelsFor, isBackchannel, transcriptWords, type TurnSettings } from "@speaknode/contracts";
import { log } from "../log.ts";

/** The @livekit/agents version whose AgentActivity internals the wrappers below rely on. */
export const PATCHED_AGENTS_VERSION = "1.9.0";
/** Methods of AgentActivity the wrappers call or replace. */
export const ACTIVITY_INTERNALS = [
  "onStartOfSpeech",
  "onFinalTranscript",
  "onEndOfSpeech",
  "onEndOfTurn",
  "onPreemptiveGeneration",
  "interruptByAudioActivity",
  "cancelSpeechPause",
  "cancelFalseInterruptionTimer",
  "cancelPreemptiveGeneration",
  "updateAgentState",
] as const;

type SpeechHandle = voice.SpeechHandle;
type EndOfSpeechEvent = unknown;
interface FinalTranscriptEvent {
  alternatives?: { text: string }[];
}
interface EndOfTurnInfo {
  newTranscript: string;
}

/** The AgentActivity fields and methods used here (see ACTIVITY_INTERNALS). */
interface Activity {
  agentSession: voice.AgentSession;
  pausedSpeech: { handle: SpeechHandle; agentState: voice.AgentState; timeout: number } | undefined;
  _currentSpeech: SpeechHandle | undefined;
  _preemptiveGeneration: { speechHandle: SpeechHandle } | undefined;
  activeAgentStateLease: { speechHandle: SpeechHandle } | undefined;
  isInterruptionDetectionEnabled: boolean;
  audioRecognition:
    | {
        audioTranscript: string;
        audioInterimTranscript: string;
        audioPreflightTranscript: string;
        finalTranscriptConfidence: number[];
        lastFinalTranscriptTime: number;
        onStartOfAgentSpeech(at: number): void;
      }
    | undefined;
  onStartOfSpeech(ev: unknown): void;
  onFinalTranscript(ev: FinalTranscriptEvent, speaking?: boolean): void;
  onEndOfSpeech(ev: EndOfSpeechEvent): void;
  onEndOfTurn(info: EndOfTurnInfo): Promise<boolean>;
  onPreemptiveGeneration(info: unknown): void;
  interruptByAudioActivity(options?: unknown): void;
  cancelSpeechPause(options?: unknown): Promise<void>;
  cancelFalseInterruptionTimer(): void;
  cancelPreemptiveGeneration(): void;
  updateAgentState(lease: unknown, state: voice.AgentState, options?: unknown): boolean;
}

/** One session's interruption rules and what it saw; registered by `installTurnRules`. */
export class SessionTurnRules {
  #minWords = 1;
  #backchannels: readonly string[] = [];
  #resume = true;
  /** Replies generated preemptively and then used (newest last), to mark their turns. */
  readonly #preemptive: SpeechHandle[] = [];
  /** Replies resumed after speech that was no turn, for tests and benches. */
  resumed = 0;

  constructor(settings: TurnSettings, language: string) {
    this.update(settings, language);
  }

  /** New settings (a transfer) or language (a switch): the backchannel list follows the language. */
  update(settings: TurnSettings, language: string): void {
    this.#minWords = settings.interruption.minWords;
    this.#backchannels = backchannelsFor(settings.interruption, language);
    this.#resume = settings.interruption.resumeFalseInterruption;
  }

  get active(): boolean {
    return this.#resume;
  }

  /** True when the transcript does not take the turn from a speaking agent. */
  isNoTurn(transcript: string): boolean {
    const words = transcriptWords(transcript);
    return words.length === 0 || words.length < this.#minWords || isBackchannel(transcript, this.#backchannels);
  }

  notePreemptive(handle: SpeechHandle): void {
    this.#preemptive.push(handle);
    if (this.#preemptive.length > 8) this.#preemptive.shift();
  }

  /** True when the agent's message came from a reply started before the turn was confirmed. */
  readonly isPreemptive = (item: llm.ChatMessage): boolean => this.#preemptive.some((h) => h.scheduled && h.chatItems.includes(item));
}

const rulesBySession = new WeakMap<voice.AgentSession, SessionTurnRules>();
/** Final transcripts heard since the caller's voice last started, per activity. */
const heardThisSpeech = new WeakMap<Activity, string>();
let patched: object | undefined;

function agentsVersion(): string | undefined {
  try {
    // The package's exports hide its package.json; it sits above the entry point (dist/index.js).
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.resolve("@livekit/agents")), "utf8"));
    return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Why the prototype cannot be patched (another library version, a method gone), or null. */
export function patchRefusal(proto: object, version = agentsVersion()): string | null {
  if (version !== PATCHED_AGENTS_VERSION) return `@livekit/agents ${version ?? "unknown"} is not ${PATCHED_AGENTS_VERSION}`;
  const missing = ACTIVITY_INTERNALS.filter((m) => typeof Reflect.get(proto, m) !== "function");
  return missing.length > 0 ? `AgentActivity lacks ${missing.join(", ")}` : null;
}

/** The agent's reply the caller's voice paused, or the one playing, if it may be interrupted. */
function heldSpeech(a: Activity): SpeechHandle | undefined {
  const speech = a._currentSpeech;
  if (a.pausedSpeech) return a.pausedSpeech.handle;
  return speech && !speech.interrupted && !speech.done() && speech.allowInterruptions ? speech : undefined;
}

/**
 * Resumes the paused reply now: what the library's false-interruption timer does when it fires
 * (agent_activity.js `startFalseInterruptionTimer`), without waiting for it or the end-of-turn task.
 */
function resumeNow(a: Activity, rules: SessionTurnRules): void {
  const paused = a.pausedSpeech;
  const audio = a.agentSession.output.audio;
  if (!paused || !audio?.canPause) return;
  a.cancelFalseInterruptionTimer();
  a.pausedSpeech = undefined;
  const handle = paused.handle;
  if (handle.done() || handle.interrupted || a._currentSpeech !== handle || a.agentSession._activity !== (a as unknown)) return;
  const lease = a.activeAgentStateLease;
  if (lease?.speechHandle === handle && a.updateAgentState(lease, paused.agentState, { otelContext: handle._agentTurnContext })) {
    if (paused.agentState === "speaking") a.audioRecognition?.onStartOfAgentSpeech(Date.now());
  }
  audio.resume();
  rules.resumed += 1;
  a.agentSession.emit(voice.AgentSessionEventTypes.AgentFalseInterruption, voice.createAgentFalseInterruptionEvent({ resumed: true }));
}

/** Forgets the words of speech that was no turn, so they do not open the caller's next turn. */
function dropTranscript(a: Activity): void {
  const r = a.audioRecognition;
  if (!r) return;
  r.audioTranscript = "";
  r.audioInterimTranscript = "";
  r.audioPreflightTranscript = "";
  r.finalTranscriptConfidence = [];
  r.lastFinalTranscriptTime = 0;
}

/** Calls `fn` with some of the activity's methods replaced for the call only (own properties shadow the prototype's). */
function withShadowed(a: Activity, names: readonly (keyof Activity)[], fn: () => void): void {
  for (const name of names) Object.defineProperty(a, name, { value: () => Promise.resolve(), configurable: true, writable: true });
  try {
    fn();
  } finally {
    for (const name of names) Reflect.deleteProperty(a, name);
  }
}

function patch(proto: Activity): void {
  const original = {
    onStartOfSpeech: proto.onStartOfSpeech,
    onFinalTranscript: proto.onFinalTranscript,
    onEndOfSpeech: proto.onEndOfSpeech,
    onEndOfTurn: proto.onEndOfTurn,
    onPreemptiveGeneration: proto.onPreemptiveGeneration,
    cancelSpeechPause: proto.cancelSpeechPause,
  };
  const rulesOf = (a: Activity): SessionTurnRules | undefined => {
    const rules = rulesBySession.get(a.agentSession);
    return rules?.active ? rules : undefined;
  };

  proto.onStartOfSpeech = function (this: Activity, ev) {
    heardThisSpeech.set(this, "");
    original.onStartOfSpeech.call(this, ev);
  };

  proto.onFinalTranscript = function (this: Activity, ev, speaking) {
    const rules = rulesOf(this);
    const text = ev.alternatives?.[0]?.text ?? "";
    heardThisSpeech.set(this, `${heardThisSpeech.get(this) ?? ""} ${text}`.trim());
    const sofar = `${this.audioRecognition?.audioTranscript ?? ""} ${text}`;
    if (!rules || !heldSpeech(this) || !rules.isNoTurn(sofar)) return original.onFinalTranscript.call(this, ev, speaking);
    // The transcript event and answering-machine detection still see the words; the reply is
    // neither paused again nor dropped.
    withShadowed(this, ["interruptByAudioActivity", "cancelSpeechPause"], () => original.onFinalTranscript.call(this, ev, speaking));
    if (speaking === false) resumeNow(this, rules);
  };

  proto.onEndOfSpeech = function (this: Activity, ev) {
    original.onEndOfSpeech.call(this, ev);
    const rules = rulesOf(this);
    const sofar = this.audioRecognition?.audioTranscript ?? "";
    // The final came while the caller was still speaking: decide now the voice has stopped. With
    // no transcript of this speech yet (words left from an earlier backchannel do not count), the
    // library's timer waits for one (or resumes a noise after it).
    const heard = heardThisSpeech.get(this) ?? "";
    if (rules && this.pausedSpeech && heard.length > 0 && rules.isNoTurn(sofar)) resumeNow(this, rules);
  };

  proto.onEndOfTurn = async function (this: Activity, info) {
    const rules = rulesOf(this);
    if (!rules || !heldSpeech(this) || !rules.isNoTurn(info.newTranscript)) return original.onEndOfTurn.call(this, info);
    this.cancelPreemptiveGeneration();
    dropTranscript(this);
    resumeNow(this, rules);
    log.debug("speech over the agent was no turn; the reply goes on", { words: transcriptWords(info.newTranscript).length });
    return false;
  };

  proto.cancelSpeechPause = async function (this: Activity, options) {
    const paused = this.pausedSpeech?.handle;
    const interrupting = (options as { interrupt?: boolean } | undefined)?.interrupt !== false && paused && !paused.interrupted && paused.allowInterruptions;
    const audio = this.agentSession.output.audio;
    if (!interrupting || !audio || !rulesBySession.has(this.agentSession)) return original.cancelSpeechPause.call(this, options);
    // The library resumes the output right after interrupting the reply, before the reply's task
    // clears the output: hold the resume until the reply is done, so none of it plays again.
    const resume = audio.resume;
    let resumeWanted = false;
    Object.defineProperty(audio, "resume", { value: () => void (resumeWanted = true), configurable: true, writable: true });
    try {
      await original.cancelSpeechPause.call(this, options);
    } finally {
      Reflect.deleteProperty(audio, "resume");
    }
    if (!resumeWanted) return;
    paused.addDoneCallback(() => {
      // Someone paused again meanwhile (the caller's voice over a new reply): theirs to resume.
      if (!this.pausedSpeech) resume.call(audio);
    });
  };

  proto.onPreemptiveGeneration = function (this: Activity, info) {
    original.onPreemptiveGeneration.call(this, info);
    const handle = this._preemptiveGeneration?.speechHandle;
    if (handle) rulesBySession.get(this.agentSession)?.notePreemptive(handle);
  };
}

/**
 * Applies the interruption rules to a started session (its activity exists once `start` resolved).
 * Returns the session's rules, or undefined when the library could not be patched (its own
 * behaviour then applies, where every final transcript drops the reply).
 */
export function installTurnRules(session: voice.AgentSession, settings: TurnSettings, language: string): SessionTurnRules | undefined {
  const activity: unknown = session._activity;
  if (typeof activity !== "object" || activity === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(activity);
  if (typeof proto !== "object" || proto === null) return undefined;
  if (patched !== proto) {
    const refusal = patchRefusal(proto);
    if (refusal) {
      log.warn("interruption rules not applied; the library's own apply", { reason: refusal });
      return undefined;
    }
    if (patched !== undefined) return undefined;
    patch(proto as Activity);
    patched = proto;
  }
  const rules = new SessionTurnRules(settings, language);
  rulesBySession.set(session, rules);
  return rules;
}
