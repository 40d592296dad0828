// The simulated VoxImplant world: accounts (service-account public keys, applications with their
// routing rules and uploaded scenario, rented numbers), the phones that outbound calls reach, and
// the record of a call that the control API returns. VoxImplant ids are numbers; phone numbers are
// digits without "+" (as GetPhoneNumbers returns them).
import { z } from "zod";
import type { ScriptStep } from "../../twilio/src/model.ts";

const id = z.union([z.number().int().positive(), z.string().regex(/^\d{1,15}$/)]).transform((v) => Number(v));

export const accountConfigSchema = z.object({
  accountId: id,
  accountName: z.string().optional(),
  accountEmail: z.string().optional(),
  keys: z.array(z.object({ keyId: z.string().min(1), publicKeyPem: z.string().min(1) })),
  applications: z.array(
    z.object({
      applicationId: id,
      name: z.string().min(1),
      rules: z.array(z.object({ ruleId: id, name: z.string().min(1), pattern: z.string().optional() })).default([]),
      scenario: z.string().optional(),
    }),
  ),
  numbers: z.array(z.object({ phoneId: id, phoneNumber: z.string().regex(/^\+?\d{6,15}$/), applicationId: id.nullable().default(null) })).default([]),
});
export type AccountConfigInput = z.input<typeof accountConfigSchema>;
export type AccountConfig = z.output<typeof accountConfigSchema>;

/** An accounts file: an array, or {"accounts": [...]}. */
export const accountsFileSchema = z.union([z.array(accountConfigSchema), z.object({ accounts: z.array(accountConfigSchema) }).transform((f) => f.accounts)]);

export interface Rule {
  ruleId: number;
  name: string;
  pattern: string;
  modified: Date;
}

export interface Application {
  applicationId: number;
  accountId: number;
  name: string;
  rules: Rule[];
  /** The scenario's JavaScript, as uploaded (PUT /sim/applications/<id>/scenario). */
  scenario: string | null;
  modified: Date;
}

export interface PhoneNumber {
  phoneId: number;
  /** Digits, no "+". */
  phoneNumber: string;
  applicationId: number | null;
  ruleId: number | null;
  purchased: Date;
}

export interface Account {
  accountId: number;
  accountName: string;
  accountEmail: string;
  keys: Map<string, string>;
  applications: Map<number, Application>;
  numbers: PhoneNumber[];
  created: Date;
}

export function accountOf(config: AccountConfig): Account {
  const now = new Date();
  return {
    accountId: config.accountId,
    accountName: config.accountName ?? `sim-${config.accountId}`,
    accountEmail: config.accountEmail ?? `sim-${config.accountId}@example.invalid`,
    keys: new Map(config.keys.map((k) => [k.keyId, k.publicKeyPem])),
    applications: new Map(
      config.applications.map((a) => [
        a.applicationId,
        {
          applicationId: a.applicationId,
          accountId: config.accountId,
          name: a.name,
          rules: a.rules.map((r) => ({ ruleId: r.ruleId, name: r.name, pattern: r.pattern ?? ".*", modified: now })),
          scenario: a.scenario ?? null,
          modified: now,
        },
      ]),
    ),
    numbers: config.numbers.map((n) => ({ phoneId: n.phoneId, phoneNumber: n.phoneNumber.replace(/^\+/, ""), applicationId: n.applicationId, ruleId: null, purchased: now })),
    created: now,
  };
}

export type Answer = "human" | "busy" | "no-answer";

/** What a phone does when the scenario's callPSTN reaches it (PUT /sim/phones/<e164>). */
export interface PhoneBehaviour {
  answer: Answer;
  script?: ScriptStep[];
  /** How long it rings before a human answers or a busy signal comes back; default 1000. */
  ringMs?: number;
  /** For no-answer: how long it rings before the network gives up (480); default the simulator's. */
  ringTimeoutMs?: number;
}

export type CallStatus = "alerting" | "progressing" | "connected" | "disconnected" | "failed";

export interface CallEventRecord {
  atMs: number;
  kind: string;
  [detail: string]: unknown;
}

export interface CallCounters {
  /** `media` frames of the caller's audio sent on the scenario's WebSocket(s). */
  mediaSent: number;
  /** `media` frames received from the WebSocket while it sends media to the call. */
  mediaReceived: number;
  /** ws.clearMediaBuffer() calls. */
  clears: number;
  /** DTMF tones of the caller raised as CallEvents.ToneReceived. */
  dtmfReceived: number;
  /** Keys the scenario sent with call.sendDigits. */
  dtmfSent: number;
  /** Frames the WebSocket sent that were neither media nor delivered (bad JSON in a media event…). */
  invalidFrames: number;
}

/** What GET /sim/calls/<id> answers. Times are milliseconds since the call was created. */
export interface CallReport {
  id: string;
  sessionId: number;
  accountId: number;
  applicationId: number;
  direction: "inbound" | "outbound";
  /** E.164. */
  from: string;
  to: string;
  status: CallStatus;
  statusHistory: { status: CallStatus; atMs: number }[];
  /** The call's events and its session's (the scenario's HTTP requests, logs, WebSockets), in order. */
  events: CallEventRecord[];
  counters: CallCounters;
  sipCode: number | null;
  firstAgentAudioMs: number | null;
  agentAudio: [number, number][];
  callerSpeech: [number, number][];
  /** Keys the scenario pressed with call.sendDigits, in order. */
  agentDtmf: string;
  /** caller, scenario-hangup, scenario-reject, terminated, busy, no-answer, simulator-closed, time-limit… */
  endedBy: string | null;
  durationS: number | null;
  createdAt: string;
  endedAt: string | null;
}

export interface SessionReport {
  id: number;
  accountId: number;
  applicationId: number;
  ruleId: number | null;
  status: "running" | "terminated";
  customData: string;
  accessUrl: string;
  accessSecureUrl: string;
  calls: string[];
  events: CallEventRecord[];
  errors: string[];
}

export function e164(digits: string): string {
  return digits.startsWith("+") ? digits : `+${digits}`;
}

export function digitsOf(number: string): string {
  return number.replace(/^\+/, "");
}
