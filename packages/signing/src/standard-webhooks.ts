// Standard Webhooks (https://www.standardwebhooks.com): the signature is
// `v1,` + base64(HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`)), the key being the
// base64 after `whsec_` in the secret. The `webhook-signature` header may hold several
// space-separated signatures (a secret rotation sends both); one match verifies. A timestamp more
// than the tolerance (5 minutes) away from now, either way, is refused: it stops replays.
import { concat, fromBase64, hmac, timingSafeEqual, toBase64, utf8 } from "./bytes.ts";

export const standardWebhooksToleranceS = 5 * 60;
const secretPrefix = "whsec_";

/** The HMAC key of a `whsec_…` secret (the prefix is optional, as the reference libraries accept). */
export function standardWebhooksKey(secret: string): Uint8Array<ArrayBuffer> {
  const key = fromBase64(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret);
  if (!key || key.length === 0) throw new Error("a Standard Webhooks secret is whsec_ followed by base64");
  return key;
}

/** `v1,<base64 signature>` of one message. */
export async function signStandardWebhook(secret: string, msgId: string, timestampS: number, body: string | Uint8Array): Promise<string> {
  const content = concat(utf8(`${msgId}.${Math.floor(timestampS)}.`), typeof body === "string" ? utf8(body) : body);
  return `v1,${toBase64(await hmac("sha256", standardWebhooksKey(secret), content))}`;
}

export interface StandardWebhookHeaders {
  id: string | null | undefined;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export async function verifyStandardWebhook(
  secret: string,
  headers: StandardWebhookHeaders,
  body: string | Uint8Array,
  options: { toleranceS?: number; nowS?: number } = {},
): Promise<Verdict> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not a unix time in seconds" };
  const nowS = Math.floor(options.nowS ?? Date.now() / 1000);
  const toleranceS = options.toleranceS ?? standardWebhooksToleranceS;
  const timestampS = Number(timestamp);
  if (Math.abs(nowS - timestampS) > toleranceS) return { ok: false, reason: "webhook-timestamp is outside the tolerance" };
  let expected: string;
  try {
    expected = await signStandardWebhook(secret, id, timestampS, body);
  } catch {
    return { ok: false, reason: "the secret is not a Standard Webhooks secret" };
  }
  // Check every listed signature (no early exit) so the time taken does not say which one matched.
  let matched = false;
  for (const candidate of signature.split(" ")) if (candidate && timingSafeEqual(candidate, expected)) matched = true;
  return matched ? { ok: true } : { ok: false, reason: "no matching signature" };
}
