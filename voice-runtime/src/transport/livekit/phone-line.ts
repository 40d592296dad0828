// The phone side of a call whose caller is a LiveKit SIP participant (an inbound call through a
// trunk, or an outbound call the Worker dialled): the keys the caller presses arrive as RFC 4733
// events LiveKit hands the room (RoomEvent.DtmfReceived); keys the agent presses go out the same
// way (publishDtmf), one event per key with a pause between them as a person dialling would. LiveKit
// gives no answering-machine verdict, so onAnsweredBy never fires. Digits are never logged.
import { llm } from "@livekit/agents";
import { RoomEvent, type RemoteParticipant, type Room } from "@livekit/rtc-node";
import { sipAttributes } from "@speaknode/contracts";
import type { PhoneLine } from "../types.ts";

/** RFC 4733 telephone-event codes of the keypad's keys. */
const dtmfCodes: Readonly<Record<string, number>> = {
  ...Object.fromEntries([..."0123456789"].map((d, i) => [d, i])),
  "*": 10,
  "#": 11,
  A: 12,
  B: 13,
  C: 14,
  D: 15,
};
const keyOfCode = new Map(Object.entries(dtmfCodes).map(([key, code]) => [code, key]));

/** The RFC 4733 event code of a key, or undefined for anything but 0-9, *, #, A-D. */
export function dtmfCode(key: string): number | undefined {
  return dtmfCodes[key.toUpperCase()];
}

/** Between two keys the agent presses: what PBXs' SendDTMF waits by default, so IVRs read each key. */
export const interDigitPauseMs = 250;

/**
 * Binds to the call's caller once the room I/O knows it is a SIP participant (`bind`); until then,
 * and for any other caller, no key arrives and sending keys is a tool error. Keys from anyone but
 * the caller (another participant's data) are ignored.
 */
export class SipPhoneLine implements PhoneLine {
  readonly provider = "livekit_sip";
  readonly #room: Room;
  readonly #pauseMs: number;
  readonly #listeners = new Set<(digit: string) => void>();
  #caller: RemoteParticipant | undefined;

  constructor(room: Room, options: { interDigitPauseMs?: number } = {}) {
    this.#room = room;
    this.#pauseMs = options.interDigitPauseMs ?? interDigitPauseMs;
    room.on(RoomEvent.DtmfReceived, (code: number, digit: string, participant: RemoteParticipant) => {
      if (!this.#caller || participant.identity !== this.#caller.identity) return;
      const key = digit && dtmfCode(digit) !== undefined ? digit.toUpperCase() : keyOfCode.get(code);
      if (key === undefined) return;
      for (const listener of this.#listeners) listener(key);
    });
  }

  /** The SIP participant this line is (called once, by the room I/O). */
  bind(caller: RemoteParticipant): void {
    this.#caller ??= caller;
  }

  /** The SIP caller this line is bound to, once known. */
  get caller(): RemoteParticipant | undefined {
    return this.#caller;
  }

  /** LiveKit's call id of the SIP leg (sip.callID); empty until the caller is known. */
  get callId(): string {
    return this.#caller?.attributes[sipAttributes.callId] ?? "";
  }

  onDtmf(listener: (digit: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async sendDtmf(digits: string): Promise<void> {
    if (!this.#caller) throw new llm.ToolError("Keys can only be sent on phone calls; this call has no phone line.");
    const keys = [...digits.toUpperCase()].map((key) => ({ key, code: dtmfCode(key) }));
    if (keys.some((k) => k.code === undefined)) throw new llm.ToolError("The keys must be 0-9, *, #, A-D.");
    const local = this.#room.localParticipant;
    if (!local) throw new Error("the agent is not in the room");
    for (const [i, { key, code }] of keys.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, this.#pauseMs));
      await local.publishDtmf(code ?? 0, key);
    }
  }

  onAnsweredBy(): () => void {
    return () => {};
  }
}
