// Checking a request to an inbound route by the route's method, in constant time (@speaknode/signing):
// Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature over id.timestamp.body,
// 5 minutes of tolerance), an HMAC of the raw body bytes in one named header, or a bearer secret.
import type { InboundVerificationJson } from "@speaknode/db";
import { verifyBearer, verifyHmacSignature, verifyStandardWebhook } from "@speaknode/signing";

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** `body` is the raw bytes as received: a signature covers exactly them, not a re-serialisation. */
export async function verifyRouteRequest(verification: InboundVerificationJson, secret: string, headers: Headers, body: Uint8Array, opts: { nowS?: number } = {}): Promise<VerifyResult> {
  switch (verification.method) {
    case "standard_webhooks":
      return verifyStandardWebhook(
        secret,
        { id: headers.get("webhook-id"), timestamp: headers.get("webhook-timestamp"), signature: headers.get("webhook-signature") },
        body,
        opts.nowS !== undefined ? { nowS: opts.nowS } : {},
      );
    case "hmac": {
      const signature = headers.get(verification.header);
      if (signature === null) return { ok: false, reason: `missing ${verification.header}` };
      const ok = await verifyHmacSignature({ secret, algorithm: verification.algorithm, encoding: verification.encoding, prefix: verification.prefix, signature, body });
      return ok ? { ok: true } : { ok: false, reason: `${verification.header} does not match the body` };
    }
    case "bearer": {
      const authorization = headers.get("authorization");
      if (authorization === null) return { ok: false, reason: "missing Authorization: Bearer" };
      return verifyBearer(secret, authorization) ? { ok: true } : { ok: false, reason: "the bearer secret does not match" };
    }
  }
}

/** Header names whose values are secrets for this route, beyond the log's usual ones. */
export function secretHeadersOf(verification: InboundVerificationJson): string[] {
  return verification.method === "hmac" ? [verification.header] : [];
}
