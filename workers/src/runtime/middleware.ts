// Middleware of the runtime API (/runtime/*): a per-request database, as for /v1, and the runtime's
// service token in place of user or API-key authentication.
import type { MiddlewareHandler } from "hono";
import { createDatabase } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ServiceTokenError, verifyRuntimeServiceToken, type RuntimeServiceClaims } from "./auth.ts";

declare module "hono" {
  interface ContextVariableMap {
    runtimeService: RuntimeServiceClaims;
  }
}

const challenge = { "www-authenticate": 'Bearer realm="speaknode-runtime"' };

/** One pooled connection set per request: Workers cannot share sockets across requests. */
export function withDatabase(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 2 });
    c.set("db", handle.db);
    try {
      await next();
    } finally {
      const closing = handle.close().catch(() => undefined);
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        await closing;
      }
    }
  };
}

export function authenticateRuntime(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const token = header ? /^Bearer[ ]+([^\s]+)$/i.exec(header)?.[1] : undefined;
    if (!token) throw new ApiError("unauthorized", "expected 'Authorization: Bearer <runtime service token>'", { headers: challenge });
    try {
      c.set("runtimeService", await verifyRuntimeServiceToken(c.get("config").runtime.tokenSecret, token));
    } catch (err) {
      if (err instanceof ServiceTokenError) throw new ApiError(err.expired ? "token_expired" : "unauthorized", err.message, { headers: challenge });
      throw err;
    }
    await next();
  };
}
