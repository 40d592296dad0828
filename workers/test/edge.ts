// Calls the Worker as Cloudflare's edge delivers requests in production: CF-Connecting-IP is set
// by the platform and trusted (TRUST_CF_CONNECTING_IP), which the development defaults of the test
// environment are not. Same shape as helpers.call.
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import worker from "../src/index.ts";
import { buildRequest, readResult, type CallOptions, type CallResult } from "./helpers.ts";

const edgeEnv: Record<string, unknown> = { ...(env as unknown as Record<string, unknown>), TRUST_CF_CONNECTING_IP: "true" };

/** Like `call`, with the env overridden by `overrides` on top of the edge's (e.g. a small limit). */
export async function callWithEnv(overrides: Record<string, string>, method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(buildRequest(method, path, opts), { ...edgeEnv, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return readResult(res);
}

/** A request through the edge: CF-Connecting-IP names the client. */
export const callAtEdge = (method: string, path: string, opts: CallOptions = {}): Promise<CallResult> => callWithEnv({}, method, path, opts);

/** A random, valid client address (a fresh rate-limit bucket at the edge). */
export function randomClientIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a ?? 0}.${b ?? 0}.${c ?? 0}`;
}
