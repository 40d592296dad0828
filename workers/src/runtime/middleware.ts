// Middleware of the runtime API (/runtime/*): the per-request database shared with /v1, and the runtime's
// service token in place of user or API-key authentication.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { ServiceTokenError, verifyRuntimeServiceToken, type RuntimeServiceClaims } from "@speaknode/tokens";

declare module "hono" {
  interface ContextVariableMap {
    runtimeService: RuntimeServiceClaims;
  }
}

const challenge = { "www-authenticate": 'Bearer realm="speaknode-runtime"' };

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
