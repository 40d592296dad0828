// Test helpers (workerd only): the in-memory LiveKit SIP service in place of `fetch` (other hosts
// still reach the real fetch: the database proxy), and API calls to a Worker configured with
// MEDIA_DRIVER=livekit pointing at it.
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { buildRequest, readResult, type CallOptions, type CallResult } from "../../../test/helpers.ts";
import { createApp } from "../../app.ts";
import { FakeLiveKit } from "./fake-livekit.ts";

const app = createApp();

export const fakeLiveKitUrl = "wss://lk.example.test";
export const liveKitEnv = {
  MEDIA_DRIVER: "livekit",
  LIVEKIT_URL: fakeLiveKitUrl,
  LIVEKIT_API_KEY: "APItestsip",
  LIVEKIT_API_SECRET: "test-livekit-api-secret-of-a-decent-length",
  LIVEKIT_AGENT_NAME: "speaknode-agent",
} as const;

/** A fake LiveKit at fakeLiveKitUrl's origin answering every fetch to it. Undo with vi.unstubAllGlobals(). */
export function stubLiveKit(): FakeLiveKit {
  const fake = new FakeLiveKit("https://lk.example.test", globalThis.fetch);
  vi.stubGlobal("fetch", fake.fetch);
  return fake;
}

/** An API call to the Worker with these settings on top of the test environment (default: LiveKit on). */
export async function callWith(method: string, path: string, opts: CallOptions = {}, overrides: Record<string, string> = liveKitEnv): Promise<CallResult> {
  return readResult(await app.request(buildRequest(method, path, opts), undefined, { ...env, ...overrides }));
}
