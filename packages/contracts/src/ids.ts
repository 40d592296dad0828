// Prefixed, time-ordered ids: `spc_` + 10 chars of millisecond time + 16 random chars, Crockford
// base32 in lowercase (ULID layout), so ids sort by creation time as plain strings.
import { z } from "zod";

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
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`), `must be an id starting with ${prefix}_`)
    .meta({ example: `${prefix}_01jqz8k3m4n5p6q7r8s9t0v1w2` });
}

/** An ISO 8601 time with offset, as every API body carries times. */
export const Timestamp = z.iso.datetime({ offset: true });
