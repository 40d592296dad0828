// Bearer authentication for /v1: a user's OIDC access token or a space API key (`sk_…`).
import type { MiddlewareHandler } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { apiKeys } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { loadDevSigningKey } from "../dev-oidc/keys.ts";
import { looksLikeApiKey, sha256Hex } from "./api-keys.ts";
import { localKeySet, remoteKeySet, TokenError, verifyAccessToken } from "./jwt.ts";
import { provisionUser } from "./provision.ts";
import type { JWTVerifyGetKey } from "jose";

const challenge = { "www-authenticate": 'Bearer realm="speaknode"' };
const lastUsedRefreshMs = 60_000;

async function keySetFor(config: Config): Promise<JWTVerifyGetKey> {
  // The development issuer lives in this Worker: its keys are taken from memory, not fetched.
  if (config.devTools.enabled && !config.oidc.jwksUrl) {
    return localKeySet((await loadDevSigningKey(config.devTools.privateJwk)).jwks);
  }
  return remoteKeySet(config.oidc.issuer, config.oidc.jwksUrl);
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw new ApiError("unauthorized", "missing bearer token", { headers: challenge });
    const match = /^Bearer[ ]+([^\s]+)$/i.exec(header);
    const token = match?.[1];
    if (!token) throw new ApiError("unauthorized", "authorization header must be 'Bearer <token>'", { headers: challenge });
    const db = c.get("db");
    if (looksLikeApiKey(token)) {
      const [key] = await db
        .select({ id: apiKeys.id, spaceId: apiKeys.spaceId, name: apiKeys.name, lastUsedAt: apiKeys.lastUsedAt })
        .from(apiKeys)
        .where(and(eq(apiKeys.hash, await sha256Hex(token)), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!key) throw new ApiError("unauthorized", "API key is not valid or was revoked", { headers: challenge });
      if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > lastUsedRefreshMs) {
        await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, key.id));
      }
      c.set("principal", { type: "api_key", apiKeyId: key.id, name: key.name, spaceId: key.spaceId, role: "member" });
      return next();
    }
    const config = c.get("config");
    try {
      const identity = await verifyAccessToken(token, await keySetFor(config), config.oidc);
      c.set("principal", await provisionUser(db, identity, config.oidc.adminRole));
    } catch (err) {
      if (err instanceof TokenError) {
        throw new ApiError(err.expired ? "token_expired" : "unauthorized", err.message, { headers: challenge });
      }
      throw err;
    }
    return next();
  };
}
