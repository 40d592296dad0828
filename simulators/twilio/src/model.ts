// The simulator's world: accounts with their credentials and numbers, the phones outbound calls
// reach, and the shapes of a call's record that the control API returns.

export interface NumberConfig {
  sid: string;
  phoneNumber: string;
  friendlyName?: string;
  voiceUrl?: string | null;
  statusCallback?: string | null;
}

export interface AccountConfig {
  accountSid: string;
  authToken: string;
  friendlyName?: string;
  apiKeys?: { sid: string; secret: string }[];
  numbers: NumberConfig[];
  /** Caller ids verified on the account besides its numbers (allowed as From). */
  verifiedCallerIds?: string[];
  /** A trial account may only call verified numbers (error 21219 otherwise). */
  trial?: boolean;
  /** Country calling codes without "+" that geo permissions block (error 21215), e.g. ["44"]. */
  blockedCountryCodes?: string[];
}

export interface IncomingNumber {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  voiceUrl: string | null;
  voiceMethod: "GET" | "POST";
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: "GET" | "POST";
  statusCallback: string | null;
  statusCallbackMethod: "GET" | "POST";
  voiceApplicationSid: string | null;
  voiceCallerIdLookup: boolean;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface Account {
  sid: string;
  authToken: string;
  friendlyName: string;
  apiKeys: { sid: string; secret: string }[];
  numbers: IncomingNumber[];
  verifiedCallerIds: string[];
  trial: boolean;
  blockedCountryCodes: string[];
  dateCreated: Date;
  /** When calls were created recently, for the rate limit. */
  recentCreates: number[];
}

export type Answer = "human" | "machine" | "busy" | "no-answer" | "failed";

/** What a phone does when a call reaches it. */
export interface PhoneBehaviour {
  answer: Answer;
  script?: ScriptStep[];
  /** How long the machine's greeting lasts before the beep (padded with silence); default: the spoken greeting. */
  machineGreetingMs?: number;
  /** How long it rings before answering (or, for no-answer, before giving up, when shorter than Timeout). */
  ringMs?: number;
}

export type ScriptStep =
  | { say: string }
  | { pcm16k: string }
  | { pcm8k: string }
  | { pauseMs: number }
  | { dtmf: string }
  | { waitForAgent: { quietMs?: number; timeoutMs?: number } }
  | { hangup: true };

export type CallStatus = "queued" | "initiated" | "ringing" | "in-progress" | "completed" | "busy" | "no-answer" | "failed" | "canceled";

export const terminalStatuses: ReadonlySet<CallStatus> = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

export interface CallEvent {
  atMs: number;
  kind: string;
  [detail: string]: unknown;
}

export interface CallCounters {
  /** Frames of caller audio sent to the stream (`media` messages from the simulator). */
  mediaSent: number;
  /** `media` messages received from the stream server (the agent's audio). */
  mediaReceived: number;
  agentAudioBytes: number;
  marksReceived: number;
  marksEchoed: number;
  clearsReceived: number;
  dtmfSent: number;
  transfers: number;
  webhooks: number;
  streams: number;
}

/** What GET /sim/calls/{sid} answers. Times are milliseconds since the call was created. */
export interface CallReport {
  sid: string;
  accountSid: string;
  direction: "inbound" | "outbound-api";
  from: string;
  to: string;
  status: CallStatus;
  answeredBy: string | null;
  statusHistory: { status: CallStatus; atMs: number }[];
  events: CallEvent[];
  counters: CallCounters;
  callerSpeech: [number, number][];
  agentAudio: [number, number][];
  firstAgentAudioMs: number | null;
  saidByTwiml: string[];
  transferredTo: string[];
  /** Keys the agent pressed (DTMF tones heard in its audio), in order. */
  agentDtmf: string;
  endedBy: string | null;
  durationS: number | null;
  /** Wall-clock times (ISO 8601) the call was created and became final: overlaps between calls. */
  createdAt: string;
  endedAt: string | null;
}
