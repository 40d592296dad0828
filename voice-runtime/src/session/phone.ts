// What a phone call adds to a session, whichever transport carries it (transport/types.ts
// PhoneLine): the keys the caller presses reach the agent as user input the LLM sees (and the
// session as `dtmf` events); the agent can press keys (send_dtmf) and transfer the caller to a
// person (transfer_to_number, done by the Worker); and an outbound call's answering-machine verdict
// decides whether the agent hangs up or leaves the voicemail message. Digits are personal data:
// they go to the LLM and the session's events, never to logs.
import { llm, type voice } from "@livekit/agents";
import type { RuntimeEvent, RuntimePhone } from "@speaknode/contracts";
import { RuntimeApiError, type RuntimeApi } from "../api/client.ts";
import { errorFields, log } from "../log.ts";
import type { PhoneLine } from "../transport/types.ts";

/** Keys the send_dtmf tool may press, as one argument. */
export const dtmfDigits = /^[0-9*#A-D]{1,32}$/;
/** Keys pressed one after another are one input until this long without a key, or `#`. */
export const dtmfQuietMs = 1500;
/** More keys than this in one go are passed on in parts (an event holds up to 64). */
const dtmfMaxKeys = 32;
/** After a transfer the Worker's <Dial> ends the media stream; if it has not ended by then, the agent hangs up its side. */
export const transferGraceMs = 10_000;

/** The user input the LLM sees for keys the caller pressed. */
export function dtmfUserInput(digits: string): string {
  return `The caller pressed these keys on the phone keypad: ${[...digits].join(" ")}`;
}

/** Gathers single key presses into one input: passed on at `#`, after `quietMs` without a key, or at 32 keys. */
export class DtmfCollector {
  readonly #onKeys: (digits: string) => void;
  readonly #quietMs: number;
  #keys = "";
  #timer: NodeJS.Timeout | undefined;

  constructor(onKeys: (digits: string) => void, quietMs = dtmfQuietMs) {
    this.#onKeys = onKeys;
    this.#quietMs = quietMs;
  }

  /** Adds a key (anything but 0-9, *, #, A-D is ignored); true when it starts a new input. */
  press(key: string): boolean {
    const digit = key.toUpperCase();
    if (!/^[0-9*#A-D]$/.test(digit)) return false;
    const first = this.#keys.length === 0;
    this.#keys += digit;
    clearTimeout(this.#timer);
    if (digit === "#" || this.#keys.length >= dtmfMaxKeys) this.flush();
    else this.#timer = setTimeout(() => this.flush(), this.#quietMs).unref();
    return first;
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const keys = this.#keys;
    this.#keys = "";
    if (keys) this.#onKeys(keys);
  }

  /** Forgets keys not passed on yet (the call is over). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#keys = "";
  }
}

/** What an answering-machine verdict asks of the agent. */
export type VoicemailStep = { act: "none" } | { act: "wait" } | { act: "hang_up" } | { act: "leave_message"; message: string };

const greetingOver = new Set(["machine_end_beep", "machine_end_silence", "machine_end_other"]);

/**
 * The agent's next step for a verdict (Twilio's AnsweredBy): a person or no verdict (`human`,
 * `unknown`) changes nothing; a machine or fax is hung up on, unless the policy leaves a message —
 * then the agent waits for the end of the greeting (`machine_start` comes first) and speaks after
 * the beep. A fax cannot take a message, and an empty message is none to leave: both hang up.
 * Only outbound calls are answered by machines of the callee's.
 */
export function voicemailStep(answeredBy: string, phone: RuntimePhone): VoicemailStep {
  if (phone.direction !== "outbound") return { act: "none" };
  if (answeredBy !== "fax" && !answeredBy.startsWith("machine_")) return { act: "none" };
  const message = phone.voicemail.message.trim();
  if (answeredBy === "fax" || phone.voicemail.action === "hang_up" || message.length === 0) return { act: "hang_up" };
  return greetingOver.has(answeredBy) ? { act: "leave_message", message } : { act: "wait" };
}

export interface PhoneCallHooks {
  sessionId: string;
  api: Pick<RuntimeApi, "transferCall">;
  /** Queues a runtime event behind the ones already reported. */
  report(event: RuntimeEvent): void;
  /** Marks the call as ending for `reason` (the end reason the session reports); false when it already is. */
  beginEnding(reason: string): boolean;
}

/**
 * One phone call's side of a session. Listens to the line from construction (a verdict or key may
 * come while the agent is still being set up) and acts once the agent session is attached.
 */
export class PhoneCall {
  readonly #line: PhoneLine | undefined;
  readonly #phone: RuntimePhone | null;
  readonly #hooks: PhoneCallHooks;
  readonly #keys: DtmfCollector;
  readonly #unsubscribe: (() => void)[] = [];
  #session: voice.AgentSession | undefined;
  /** What arrived before the session was attached, in order. */
  #early: (() => void)[] = [];
  #voicemailHandled = false;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(line: PhoneLine | undefined, phone: RuntimePhone | null, hooks: PhoneCallHooks, options: { dtmfQuietMs?: number } = {}) {
    this.#line = line;
    this.#phone = phone;
    this.#hooks = hooks;
    this.#keys = new DtmfCollector((digits) => this.#keysPressed(digits), options.dtmfQuietMs);
    if (!line) return;
    this.#unsubscribe.push(
      line.onDtmf((digit) => this.#whenAttached(() => this.#press(digit))),
      line.onAnsweredBy((answeredBy) => this.#whenAttached(() => this.#answeredBy(answeredBy))),
    );
  }

  attach(session: voice.AgentSession): void {
    this.#session = session;
    const early = this.#early;
    this.#early = [];
    for (const run of early) run();
  }

  /** Stops listening and forgets pending keys and timers (the call is over). */
  detach(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#keys.dispose();
    clearTimeout(this.#graceTimer);
    this.#early = [];
  }

  /** Plays `digits` to the far end (send_dtmf). */
  async sendDtmf(digits: string): Promise<void> {
    if (!this.#line) throw new llm.ToolError("Keys can only be sent on phone calls; this call has no phone line.");
    if (!dtmfDigits.test(digits)) throw new llm.ToolError("The keys must be 1 to 32 of 0-9, *, #, A-D.");
    await this.#line.sendDtmf(digits);
    this.#hooks.report({ type: "dtmf", digits, direction: "sent" });
  }

  /**
   * Cold transfer (transfer_to_number): says the destination's announcement and lets it play, then
   * asks the Worker to redirect the call. A refusal is a tool error and the conversation goes on;
   * on success the call ends as `transferred` when its media stream stops.
   */
  async transfer(destination: { name: string; announcement: string }, reason: string | undefined): Promise<void> {
    const session = this.#session;
    if (!this.#phone || !session) throw new llm.ToolError("Calls can only be transferred on phone calls.");
    const announcement = destination.announcement.trim();
    if (announcement) await session.say(announcement, { allowInterruptions: false, addToChatCtx: true }).waitForPlayout();
    try {
      await this.#hooks.api.transferCall(this.#hooks.sessionId, destination.name);
    } catch (err) {
      log.warn("call transfer refused", { sessionId: this.#hooks.sessionId, destination: destination.name, ...errorFields(err) });
      const why = err instanceof RuntimeApiError ? (err.code ?? `status ${err.status}`) : "the platform could not be reached";
      throw new llm.ToolError(`The transfer to ${destination.name} could not be made (${why}). Tell the caller and carry on.`);
    }
    this.#hooks.report({ type: "phone.transferred", destination: destination.name, ...(reason?.trim() ? { reason: reason.trim().slice(0, 500) } : {}) });
    log.info("call transferred", { sessionId: this.#hooks.sessionId, destination: destination.name });
    if (!this.#hooks.beginEnding("transferred")) return;
    this.#graceTimer = setTimeout(() => session.shutdown({ drain: false, reason: "transferred" }), transferGraceMs).unref();
  }

  #whenAttached(run: () => void): void {
    if (this.#session) run();
    else this.#early.push(run);
  }

  #press(digit: string): void {
    const session = this.#session;
    // A key stops the agent mid-sentence, as on any phone menu (unless what it says may not be cut off).
    if (this.#keys.press(digit) && session?.agentState === "speaking") {
      try {
        session.interrupt();
      } catch {
        // the speech does not allow interruptions: the keys are answered after it
      }
    }
  }

  #keysPressed(digits: string): void {
    this.#hooks.report({ type: "dtmf", digits, direction: "received" });
    try {
      this.#session?.generateReply({ userInput: dtmfUserInput(digits) });
    } catch (err) {
      // the session is closing: nobody is left to answer the keys
      log.debug("keys pressed while the session closes", { sessionId: this.#hooks.sessionId, errorName: err instanceof Error ? err.name : typeof err });
    }
  }

  #answeredBy(answeredBy: string): void {
    const session = this.#session;
    if (!this.#phone || !session || this.#voicemailHandled || !/^[a-z_]{1,40}$/.test(answeredBy)) return;
    const step = voicemailStep(answeredBy, this.#phone);
    if (step.act === "none" || step.act === "wait") return;
    this.#voicemailHandled = true;
    const reason = step.act === "hang_up" ? "voicemail" : "voicemail_left";
    if (!this.#hooks.beginEnding(reason)) return;
    this.#hooks.report({ type: "phone.voicemail", answeredBy, action: step.act });
    log.info("answering machine: the agent ends the call", { sessionId: this.#hooks.sessionId, answeredBy, action: step.act });
    try {
      // Whatever the agent was saying to the machine's greeting stops now.
      void session.interrupt({ force: true });
    } catch {
      // not running any more: the call is ending anyway
    }
    if (step.act === "leave_message") {
      session.say(step.message, { allowInterruptions: false, addToChatCtx: true });
      session.shutdown({ drain: true, reason });
    } else {
      session.shutdown({ drain: false, reason });
    }
  }
}
