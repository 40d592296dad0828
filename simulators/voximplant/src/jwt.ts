// Service-account authorisation of the Management API
// (https://voximplant.com/docs/guides/managementapi/jwt): a JWT signed RS256 with the service
// account's private key, header `kid` = key_id, payload `iss` = account_id, `iat`, and `exp` at most
// iat + 3600. The simulator holds only the public keys and checks all of it with node:crypto, its
// own implementation (it shares nothing with the platform's WebCrypto signer).
import { createPublicKey, verify } from "node:crypto";
import type { Account } from "./model.ts";

export type JwtCheck = { ok: true; account: Account; keyId: string } | { ok: false; reason: string };

function part(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Maximum lifetime VoxImplant accepts: exp up to iat + 3600 s. */
export const maxLifetimeS = 3600;
const clockSkewS = 60;

export function verifyServiceJwt(authorization: string | undefined, accounts: Iterable<Account>, nowS = Math.floor(Date.now() / 1000)): JwtCheck {
  const m = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? "");
  if (!m?.[1] || !m[2] || m[3] === undefined) return { ok: false, reason: "no bearer JWT" };
  const header = part(m[1]);
  const payload = part(m[2]);
  if (!header || !payload) return { ok: false, reason: "malformed JWT" };
  if (header.alg !== "RS256") return { ok: false, reason: "alg must be RS256" };
  if (typeof header.kid !== "string") return { ok: false, reason: "no kid" };
  const iss = typeof payload.iss === "number" || typeof payload.iss === "string" ? Number(payload.iss) : NaN;
  let account: Account | undefined;
  for (const a of accounts) if (a.accountId === iss) account = a;
  if (!account) return { ok: false, reason: "iss is not a known account_id" };
  const pem = account.keys.get(header.kid);
  if (!pem) return { ok: false, reason: "kid is not a key of that account" };
  let valid = false;
  try {
    valid = verify("sha256", Buffer.from(`${m[1]}.${m[2]}`), createPublicKey(pem), Buffer.from(m[3], "base64url"));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: "bad signature" };
  const iat = payload.iat;
  const exp = payload.exp;
  if (typeof iat !== "number" || typeof exp !== "number") return { ok: false, reason: "iat and exp must be numeric dates" };
  if (exp <= nowS) return { ok: false, reason: "expired" };
  if (iat > nowS + clockSkewS) return { ok: false, reason: "iat in the future" };
  if (exp - iat > maxLifetimeS) return { ok: false, reason: "exp later than iat + 3600" };
  return { ok: true, account, keyId: header.kid };
}
