// The demo shop the seeded demo agent's `check_order` webhook tool calls: a tiny, deterministic
// order-status API, served only when dev tools are enabled, so the embedded default can show a
// real tool call end to end (pre-tool speech, HTTP request, answer from the result).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

const statuses = ["processing", "shipped", "out for delivery", "delivered"] as const;

/** The same order always has the same status: the digit sum picks it. */
export function demoOrder(orderId: string): { orderId: string; status: string; items: number } {
  const digits = orderId.replace(/\D/g, "");
  const sum = [...digits].reduce((n, d) => n + Number(d), 0);
  return { orderId: digits, status: statuses[sum % statuses.length] ?? "processing", items: (sum % 3) + 1 };
}

export function registerDevShop(app: OpenAPIHono<AppEnv>): void {
  app.get("/dev/demo-shop/orders/:orderId", (c) => {
    if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
    const orderId = c.req.param("orderId");
    if (!/^\d{1,12}$/.test(orderId)) throw new ApiError("not_found", "no such order");
    return c.json(demoOrder(orderId));
  });
}
