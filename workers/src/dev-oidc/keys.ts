// Signing key of the development issuer: an RS256 private JWK given by configuration (npm run dev
// creates one under .data/ and tests make their own). Public half and kid derived from it.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from "jose";
import type { CryptoKey, JSONWebKeySet, JWK } from "jose";

export interface DevSigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwks: JSONWebKeySet;
}

const cache = new Map<string, Promise<DevSigningKey>>();

const privateFields = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

export function loadDevSigningKey(privateJwkJson: string): Promise<DevSigningKey> {
  let pending = cache.get(privateJwkJson);
  if (!pending) {
    pending = load(privateJwkJson);
    cache.set(privateJwkJson, pending);
  }
  return pending;
}

async function load(privateJwkJson: string): Promise<DevSigningKey> {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  const publicJwk: JWK = { ...jwk };
  for (const field of privateFields) delete publicJwk[field];
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateKey = (await importJWK(jwk, "RS256")) as CryptoKey;
  return { kid, privateKey, jwks: { keys: [{ ...publicJwk, kid, alg: "RS256", use: "sig" }] } };
}

/** A fresh RS256 private JWK as JSON, for `npm run dev` and tests. */
export async function generateDevPrivateJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}
