// The runner's seams: the call's audio a transport supplies (CallIo), what the runner needs from
// the process (RunnerDeps), and what a session comes to (SessionOutcome).
import type { voice } from "@livekit/agents";
import type { Room } from "@livekit/rtc-node";
import type { RuntimeApi } from "../api/client.ts";
import type { EventSpool } from "../api/event-spool.ts";
import type { GreetingCache } from "../greeting/greeting-cache.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import type { CallRecorder } from "../recording/recorder.ts";
import type { HttpGuard } from "../tools/http-guard.ts";
import type { CallEnd, PhoneLine } from "../transport/types.ts";

/** One call's audio, whichever transport carries it. */
export interface CallIo {
  readonly sessionId: string;
  /** Connects the session's audio before it starts; a LiveKit transport returns its room instead. */
  attach(session: voice.AgentSession, recorder: CallRecorder | undefined): { room?: Room };
  /** After start, for transports whose audio the session set up itself (LiveKit's RoomIO). */
  afterStart?(session: voice.AgentSession, recorder: CallRecorder | undefined): void;
  readonly ended: Promise<CallEnd>;
  setBackground(background: { sound: string; volume: number } | null): void;
  close(reason: string): Promise<void>;
  /** Set for phone calls: DTMF both ways and answering-machine verdicts (transport/types.ts). */
  readonly phone?: PhoneLine;
}

export interface RunnerDeps {
  api: RuntimeApi;
  /** Spools each session's events on disk until the API has them; without it they wait in memory only. */
  events?: EventSpool | undefined;
  providers: ProviderRegistry;
  guard: HttpGuard;
  heartbeatIntervalMs: number;
  maxResponseChars: number;
  recording: { enabled: boolean; dir: string | undefined };
  /** The first messages' synthesized audio, shared by the process's sessions; without it every greeting is synthesized. */
  greetings?: GreetingCache | undefined;
  /** Trace export, when on: flushed as each session ends so its spans arrive promptly. */
  telemetry?: { flush(): Promise<void> } | undefined;
}

export interface SessionOutcome {
  status: "completed" | "failed";
  reason: string;
  turns: number;
  usage: { prompt: number; completion: number };
}

/** A session whose agent is ready and greeting; `outcome` settles when the call has ended and been reported. */
export interface RunningSession {
  session: voice.AgentSession;
  outcome: Promise<SessionOutcome>;
}
