// One pooled connection set per request: Workers cannot share sockets across requests, so each
// request opens its own and closes it after the response (in waitUntil where there is one).
import type { MiddlewareHandler } from "hono";
import { createDatabase } from "@speaknode/db";
import type { AppEnv } from "../context.ts";

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
