// The phone side of a local media connection whose client is a phone gateway: the VoxImplant media
// bridge, admitted with a media token of role "voximplant" (a browser's token never gives one, so a
// browser cannot claim a phone line). Keys the caller presses arrive as client `dtmf` messages (the
// bridge forwards VoxImplant's ToneReceived); keys the agent presses leave as server `dtmf`
// messages, one per key with a pause between them as a person dialling would (the scenario plays
// each with call.sendDigits). VoxImplant gives the bridge no answering-machine verdict, so
// onAnsweredBy never fires. Digits are personal data: never logged.
import { errorFields, log } from "../../log.ts";
import type { PhoneLine } from "../types.ts";

/** Roles of media tokens whose connection is a phone line, and the provider each one is. */
const phoneRoles = { voximplant: "voximplant" } as const satisfies Record<string, PhoneLine["provider"]>;

/** Between two keys the agent presses: what PBXs' SendDTMF waits by default (as the LiveKit SIP line). */
export const localInterDigitPauseMs = 250;

const keyPattern = /^[0-9*#A-D]$/;

export interface LocalPhoneLineOptions {
  provider: PhoneLine["provider"];
  callId: string;
  /** Sends one server `dtmf` message; false when the connection is gone. */
  send(digits: string): boolean;
  interDigitPauseMs?: number | undefined;
}

/** The phone line a media token's claims give, or undefined for every non-phone role. */
export function phoneLineClaims(claims: { role?: string | undefined; callId?: string | undefined; sessionId: string }): { provider: PhoneLine["provider"]; callId: string } | undefined {
  const role = claims.role;
  if (role === undefined || !Object.hasOwn(phoneRoles, role)) return undefined;
  return { provider: phoneRoles[role as keyof typeof phoneRoles], callId: claims.callId ?? claims.sessionId };
}

export class LocalPhoneLine implements PhoneLine {
  readonly provider: PhoneLine["provider"];
  readonly callId: string;
  readonly #send: (digits: string) => boolean;
  readonly #pauseMs: number;
  readonly #listeners = new Set<(digit: string) => void>();
  #ended = false;
  /** Key sequences go out one after another, never interleaved. */
  #sending: Promise<void> = Promise.resolve();

  constructor(options: LocalPhoneLineOptions) {
    this.provider = options.provider;
    this.callId = options.callId;
    this.#send = options.send;
    this.#pauseMs = options.interDigitPauseMs ?? localInterDigitPauseMs;
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keys the client says the caller pressed, in order, one listener call per key. */
  received(digits: string): void {
    for (const key of digits) {
      if (!keyPattern.test(key)) continue;
      for (const listener of [...this.#listeners]) {
        try {
          listener(key);
        } catch (err) {
          log.error("local media: dtmf listener failed", errorFields(err));
        }
      }
    }
  }

  sendDtmf(digits: string): Promise<void> {
    const keys = [...digits.toUpperCase()];
    if (keys.length === 0 || !keys.every((key) => keyPattern.test(key))) return Promise.reject(new RangeError("DTMF keys are 0-9, *, #, A-D"));
    const run = this.#sending.then(() => this.#sendKeys(keys));
    this.#sending = run.catch(() => {});
    return run;
  }

  onAnsweredBy(): () => void {
    return () => {};
  }

  /** The call is over: keys still waiting to go out are not sent. */
  end(): void {
    this.#ended = true;
  }

  async #sendKeys(keys: string[]): Promise<void> {
    for (const [i, key] of keys.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
      if (this.#ended || !this.#send(key)) throw new Error("the call has ended");
    }
  }
}
