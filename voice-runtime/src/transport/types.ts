// What a transport (LiveKit room, local WebSocket) hands the session runner: one call's audio in
// and out, and its end. The runner builds the same AgentSession whichever transport it came from.
import type { AudioInput, AudioOutput } from "@livekit/agents";

export interface CallEnd {
  /** Why the call ended, for the session record: "caller hung up", "media connection lost", … */
  reason: string;
  /** True when the call ended abnormally (connection lost, protocol error): the session fails. */
  failed: boolean;
}

export interface MediaChannel {
  readonly sessionId: string;
  readonly agentId: string;
  /** The user's audio. */
  readonly input: AudioInput;
  /** Where the agent's voice goes; it paces playback and honours `clearBuffer()` (barge-in). */
  readonly output: AudioOutput;
  /** Resolves once, when the remote side is gone. */
  readonly ended: Promise<CallEnd>;
  /** Background sound mixed under the agent's voice; `null` turns it off. */
  setBackground(background: { sound: string; volume: number } | null): void;
  /** The caller asks the agent to stop talking now (a push-to-talk button); returns an unsubscribe. */
  onInterrupt?(listener: () => void): () => void;
  /** Ends the call from the agent's side (after the last words have played). */
  close(reason: string): Promise<void>;
  /** Set when the call is a phone call (DTMF, answering-machine verdicts). */
  readonly phone?: PhoneLine;
}

/**
 * The telephone side of a call carried by a phone transport (Twilio Media Streams): the provider's
 * call, the keys the caller presses, keys the agent sends, and the provider's answering-machine
 * verdict for an outbound call. Digits are personal data: never logged.
 */
export interface PhoneLine {
  readonly provider: "twilio" | "livekit_sip" | "voximplant";
  /** The provider's call id (Twilio CallSid). */
  readonly callId: string;
  /** A key the caller pressed (0-9, *, #, A-D), one call per key; returns an unsubscribe. */
  onDtmf(listener: (digit: string) => void): () => void;
  /** Plays the keys to the far end as DTMF tones in the call's audio; resolves once they have played. */
  sendDtmf(digits: string): Promise<void>;
  /** The answering-machine verdict the platform received for this call (human, machine_end_beep,
   *  machine_end_silence, machine_end_other, fax, unknown…); returns an unsubscribe. */
  onAnsweredBy(listener: (answeredBy: string) => void): () => void;
}
