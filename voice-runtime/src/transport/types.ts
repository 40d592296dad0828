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
}
