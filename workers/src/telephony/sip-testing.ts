// Test helpers for the SIP call flows inside workerd: the Worker's env with LiveKit as its media
// driver (and LiveKit's SIP host), a space with a LiveKit SIP connection and a number bound to a
// published agent, requests to the app under that env, and LiveKit behind the global fetch: the SIP
// service answered by helper A1's FakeLiveKit, RoomService and AgentDispatchService recorded here.
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { newId } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import { buildRequest, makeWorld, readResult, withDb, type CallOptions, type CallResult, type World } from "../../test/helpers.ts";
import { createApp } from "../app.ts";
import { FakeLiveKit } from "./livekit-sip/fake-livekit.ts";
import { addNumber, publishedPhoneAgent, type NumberOptions } from "./testing.ts";
import type { WorkerEnv } from "../env.ts";

const app = createApp();

export const liveKitOrigin = "https://lk.example.test";
export const liveKitSipHost = "sip.lk.example.test";

/** The test env with MEDIA_DRIVER=livekit and LiveKit's SIP host. */
export const liveKitEnv: WorkerEnv = {
  ...env,
  MEDIA_DRIVER: "livekit",
  LIVEKIT_URL: "wss://lk.example.test",
  LIVEKIT_API_KEY: "APItestkey",
  LIVEKIT_API_SECRET: "test-livekit-secret-of-at-least-32-chars",
  LIVEKIT_SIP_HOST: liveKitSipHost,
};

/** A request to the app under `envValues` (default: the LiveKit env). */
export async function callWithEnv(method: string, path: string, opts: CallOptions = {}, envValues: WorkerEnv = liveKitEnv): Promise<CallResult> {
  return readResult(await app.request(buildRequest(method, path, opts), undefined, envValues));
}

export interface SipWorld {
  world: World;
  agentId: string;
  connectionId: string;
  numberId: string;
  e164: string;
  outboundTrunkId: string;
}

/** A space with a LiveKit SIP connection (its trunks provisioned) and one number bound to a published agent. */
export async function sipWorld(opts: NumberOptions & { world?: World; provisioned?: boolean; agent?: Record<string, unknown> } = {}): Promise<SipWorld> {
  const world = opts.world ?? (await makeWorld());
  const agentId = await publishedPhoneAgent(world, opts.agent);
  const connectionId = newId("telephonyConnection");
  const outboundTrunkId = `ST_out${connectionId.slice(-8)}`;
  const providerState = opts.provisioned === false ? {} : { inboundTrunkId: `ST_in${connectionId.slice(-8)}`, outboundTrunkId };
  await withDb((db) =>
    db.insert(telephonyConnections).values({ id: connectionId, spaceId: world.spaceId, provider: "livekit_sip", name: `SIP ${connectionId}`, accountId: "sip.carrier.example", secret: "unused", secretHint: "", providerState }),
  );
  const number = await addNumber({ world, connectionId }, { ...opts, agentId: opts.agentId === undefined ? agentId : opts.agentId });
  return { world, agentId, connectionId, outboundTrunkId, ...number };
}

export interface RoomRequest {
  method: string;
  body: Record<string, unknown>;
}

/**
 * LiveKit behind the global fetch: SIP methods go to a FakeLiveKit (which knows the world's outbound
 * trunk), RoomService and AgentDispatchService answer as LiveKit does and are recorded; `roomFailure`
 * makes those answer a Twirp error instead. Other origins reach the real fetch.
 */
export function fakeLiveKit(outboundTrunkIds: string[] = [], roomFailure?: { status: number; code: string }): { sip: FakeLiveKit; rooms: RoomRequest[] } {
  const realFetch = globalThis.fetch;
  const sip = new FakeLiveKit(liveKitOrigin, realFetch);
  for (const id of outboundTrunkIds) sip.outboundTrunks.set(id, { sipTrunkId: id, name: "out", address: "sip.carrier.example", numbers: [] });
  const rooms: RoomRequest[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const match = /^\/twirp\/livekit\.(RoomService|AgentDispatchService)\/([A-Za-z]+)$/.exec(url.pathname);
    if (url.origin !== liveKitOrigin || !match) {
      const res = await sip.fetch(request);
      // The fake numbers its calls from 1 in each test; LiveKit's call ids are unique everywhere
      // (sessions.provider_call_id is unique across tests sharing the database).
      const dialled = sip.participants.at(-1);
      if (!url.pathname.endsWith("/CreateSIPParticipant") || !res.ok || !dialled) return res;
      dialled.sipCallId = `SCL_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
      return Response.json({ ...((await res.json()) as Record<string, unknown>), sipCallId: dialled.sipCallId });
    }
    const body = (await request.json()) as Record<string, unknown>;
    const method = `${match[1]}/${match[2]}`;
    rooms.push({ method, body });
    if (roomFailure) return Response.json({ code: roomFailure.code, msg: "failed" }, { status: roomFailure.status });
    if (method === "RoomService/CreateRoom") return Response.json({ sid: "RM_1", name: body["name"] });
    if (method === "AgentDispatchService/CreateDispatch") return Response.json({ id: "AD_1", agentName: body["agentName"], room: body["room"] });
    return Response.json({});
  });
  return { sip, rooms };
}
