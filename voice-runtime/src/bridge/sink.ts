// Where the bridge takes a VoxImplant call's audio: the session's agent, reached over the local
// media transport (embedded default) or as a participant of the session's LiveKit room. Audio is
// mono PCM16 at `sinkSampleRateHz` both ways; the call adapts VoxImplant's format to it.

/** The rate of every sink: the telephone's, so μ-law calls are never resampled. */
export const sinkSampleRateHz = 8000;

export interface SinkEvents {
  /** Agent audio (any length; the pacer cuts it into frames). */
  onAudio(samples: Int16Array): void;
  /** The agent was interrupted: drop what is queued toward the caller. */
  onClear(): void;
  /** The agent ended the call (its last words were already sent). */
  onHangup(reason: string): void;
  /** The agent sends keys to the far end. */
  onDtmf(digits: string): void;
  /** The sink is gone without a hang-up (lost connection, refused). */
  onLost(reason: string): void;
}

export interface BridgeSink {
  /** Resolves when audio can flow; rejects when the sink refuses the call. */
  readonly ready: Promise<void>;
  /** The caller's audio. */
  sendAudio(samples: Int16Array): void;
  /** A key the caller pressed; false when this sink cannot carry keys. */
  sendDtmf(digit: string): boolean;
  /** The caller hung up (or the scenario went away): ends the sink's side. */
  end(reason: string): Promise<void>;
}

export interface SinkTarget {
  sessionId: string;
  agentId: string;
  /** The provider call id the token was bound to, if any. */
  callId: string | undefined;
}

export type SinkFactory = (target: SinkTarget, events: SinkEvents) => BridgeSink;
