// Prefixed, time-ordered ids: `spc_` + 10 chars of millisecond time + 16 random chars, Crockford
// base32 in lowercase (ULID layout), so ids sort by creation time as plain strings.
import { z } from "zod";
import { text } from "./text.ts";

export const idPrefixes = {
  user: "usr",
  space: "spc",
  invitation: "inv",
  apiKey: "key",
  email: "eml",
  agent: "agt",
  agentVersion: "agv",
  tool: "tol",
  catalogModel: "mdl",
  session: "ses",
  request: "req",
  deadLetter: "dlq",
  providerCredential: "pcr",
  agentToken: "atk",
  agentTestCase: "atc",
  agentTestRun: "atr",
  telephonyConnection: "tcn",
  phoneNumber: "pnm",
  webhookLog: "iwh",
  campaign: "cmp",
  campaignItem: "cit",
  campaignAttempt: "cat",
  plan: "pln",
  invoice: "ivc",
  domainEvent: "evt",
  webhookEndpoint: "whe",
  webhookDelivery: "whd",
  webhookAttempt: "wha",
  inboundRoute: "whr",
  devInboxMessage: "dwi",
} as const;

export type IdKind = keyof typeof idPrefixes;
export type IdPrefix = (typeof idPrefixes)[IdKind];

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = alphabet[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}

export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  return `${idPrefixes[kind]}_${encodeTime(nowMs)}${encodeRandom()}`;
}

/** A path/body schema accepting only ids of one kind. */
export function idSchema(kind: IdKind) {
  const prefix = idPrefixes[kind];
  return text()
    .regex(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`), `must be an id starting with ${prefix}_`)
    .meta({ example: `${prefix}_01jqz8k3m4n5p6q7r8s9t0v1w2` });
}

const firstStorableMs = Date.parse("0001-01-01T00:00:00Z");
const lastStorableMs = Date.parse("9999-12-31T23:59:59.999Z");

/** A well-formed time Postgres can take: it has no year 0, and a time past 9999 in UTC (an offset
 *  can push 9999-12-31 there) is written in a form it refuses. */
export const storableTime = z.refine<string>((value) => {
  const ms = Date.parse(value);
  return ms >= firstStorableMs && ms <= lastStorableMs;
}, "must fall between the years 1 and 9999 (UTC)");

/** An ISO 8601 time with offset, as every API body carries times. */
export const Timestamp = z.iso.datetime({ offset: true }).check(storableTime);
