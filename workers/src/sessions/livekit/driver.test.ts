// Contract tests for the LiveKit driver: the exact Twirp requests it sends (checked against
// literal expectations and against what livekit-server-sdk itself sends for the same call), the
// tokens it mints, and how LiveKit's errors map to LiveKitError. LiveKit is faked at `fetch`
// with responses shaped like its documented protobuf JSON.
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { AgentDispatch, AgentDispatchClient, Room, RoomServiceClient, TokenVerifier } from "livekit-server-sdk";
import { MediaConnection } from "@speaknode/contracts";
import { LiveKitError, liveKitMediaDriver, type LiveKitDriverOptions } from "./driver.ts";

const apiKey = "APIt3stK3y";
const apiSecret = "test-livekit-api-secret-of-a-decent-length";
const sessionId = "ses_01JH4XQ7Z8N3M5P6R7S8T9V0WX";
const agentId = "agt_01JH4XQ7Z8N3M5P6R7S8T9V0AB";
const room = `sess-${sessionId}`;
const agentName = "speaknode-agent";
const createRoomUrl = "https://lk.example.test/twirp/livekit.RoomService/CreateRoom";
const createDispatchUrl = "https://lk.example.test/twirp/livekit.AgentDispatchService/CreateDispatch";

// What LiveKit answers to CreateRoom: a livekit.Room in protobuf JSON (int64 as strings).
const roomFixture = {
  sid: "RM_tS7CVxVXz4bY",
  name: room,
  emptyTimeout: 300,
  departureTimeout: 20,
  maxParticipants: 3,
  creationTime: "1767225600",
  creationTimeMs: "1767225600123",
  turnPassword: "",
  enabledCodecs: [{ mime: "audio/opus" }, { mime: "audio/red" }, { mime: "video/VP8" }, { mime: "video/H264" }],
  metadata: JSON.stringify({ sessionId, agentId }),
  numParticipants: 0,
  numPublishers: 0,
  activeRecording: false,
  version: { unixMicro: "1767225600123456", ticks: 0 },
};

// What LiveKit answers to CreateDispatch: a livekit.AgentDispatch.
const dispatchFixture = {
  id: "AD_9yBXYcvkQ5Fe",
  agentName,
  room,
  metadata: JSON.stringify({ sessionId }),
  state: { jobs: [], createdAt: "1767225600125000000" },
};

const twirpError = (status: number, code: string, msg: string) =>
  new Response(JSON.stringify({ code, msg, meta: {} }), { status, headers: { "content-type": "application/json" } });

type Recorded = { url: string; method: string; headers: Headers; body: unknown };

// A fake LiveKit: answers each Twirp URL from `routes` and records every request it received.
function fakeLiveKit(routes: Record<string, () => Response | Promise<Response>>) {
  const calls: Recorded[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const text = await req.text();
    calls.push({ url: req.url, method: req.method, headers: req.headers, body: text ? JSON.parse(text) : undefined });
    const route = routes[req.url];
    return route ? route() : new Response("no such route", { status: 404 });
  };
  return { calls, fetchImpl };
}

const okRoutes = () => ({
  [createRoomUrl]: () => Response.json(roomFixture),
  [createDispatchUrl]: () => Response.json(dispatchFixture),
});

const driverWith = (fetchImpl: typeof fetch, extra: Partial<LiveKitDriverOptions> = {}) =>
  liveKitMediaDriver({ url: "wss://lk.example.test", apiKey, apiSecret, agentName, fetchImpl, ...extra });

const secretKey = new TextEncoder().encode(apiSecret);
const bearerOf = (call: Recorded | undefined) => (call?.headers.get("authorization") ?? "").replace(/^Bearer /, "");

async function connectOk(extra: Partial<LiveKitDriverOptions> = {}) {
  const lk = fakeLiveKit(okRoutes());
  const media = await driverWith(lk.fetchImpl, extra).connect({ sessionId, agentId });
  return { ...lk, media };
}

// Runs an SDK client against a capturing global fetch and returns the request body it sent.
async function sdkBody(run: () => Promise<unknown>, answer: unknown): Promise<unknown> {
  let body: unknown;
  vi.stubGlobal("fetch", async (_input: RequestInfo | URL, init?: RequestInit) => {
    body = JSON.parse(String(init?.body));
    return Response.json(answer);
  });
  await run();
  return body;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("LiveKit fixtures", () => {
  it("are valid LiveKit protobuf JSON (strict parse rejects unknown fields)", () => {
    expect(Room.fromJson(roomFixture).sid).toBe("RM_tS7CVxVXz4bY");
    expect(AgentDispatch.fromJson(dispatchFixture).agentName).toBe(agentName);
  });
});

describe("liveKitMediaDriver.connect: requests", () => {
  it("creates the room, then the dispatch, with exactly two POSTs to the Twirp endpoints", async () => {
    const { calls } = await connectOk();
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ["POST", createRoomUrl],
      ["POST", createDispatchUrl],
    ]);
    for (const c of calls) expect(c.headers.get("content-type")).toBe("application/json");
  });

  it("sends CreateRoom with name, emptyTimeout, maxParticipants and metadata — as the SDK would", async () => {
    const { calls } = await connectOk();
    const expected = { name: room, emptyTimeout: 300, maxParticipants: 3, metadata: JSON.stringify({ sessionId, agentId }) };
    expect(calls[0]?.body).toEqual(expected);
    const sdk = await sdkBody(
      () => new RoomServiceClient("https://lk.example.test", apiKey, apiSecret, { failover: false }).createRoom(expected),
      roomFixture,
    );
    expect(calls[0]?.body).toEqual(sdk);
  });

  it("passes a configured emptyTimeout through", async () => {
    const { calls } = await connectOk({ emptyTimeoutS: 45 });
    expect(calls[0]?.body).toMatchObject({ emptyTimeout: 45 });
  });

  it("sends CreateDispatch with agentName, room and metadata — as the SDK would", async () => {
    const { calls } = await connectOk();
    const expected = { agentName, room, metadata: JSON.stringify({ sessionId }) };
    expect(calls[1]?.body).toEqual(expected);
    const sdk = await sdkBody(
      () => new AgentDispatchClient("https://lk.example.test", apiKey, apiSecret, { failover: false }).createDispatch(room, agentName, { metadata: expected.metadata }),
      dispatchFixture,
    );
    expect(calls[1]?.body).toEqual(sdk);
  });

  it("authorizes with a server JWT signed by apiSecret, issued by apiKey, scoped to the room", async () => {
    const { calls } = await connectOk();
    for (const call of calls) {
      const jwt = bearerOf(call);
      expect(decodeProtectedHeader(jwt).alg).toBe("HS256");
      const { payload } = await jwtVerify(jwt, secretKey, { algorithms: ["HS256"], issuer: apiKey });
      expect(payload["video"]).toEqual({ roomCreate: true, roomAdmin: true, room });
      expect(payload.sub).toBeUndefined();
      const ttl = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
      expect(ttl).toBeGreaterThan(240);
      expect(ttl).toBeLessThanOrEqual(300);
    }
    await expect(jwtVerify(bearerOf(calls[0]), new TextEncoder().encode("some-other-secret-entirely"))).rejects.toThrow();
  });

  it("calls the https origin for a wss url and http for ws, ignoring any path", async () => {
    const lk = fakeLiveKit({
      "http://127.0.0.1:7880/twirp/livekit.RoomService/CreateRoom": () => Response.json(roomFixture),
      "http://127.0.0.1:7880/twirp/livekit.AgentDispatchService/CreateDispatch": () => Response.json(dispatchFixture),
    });
    const media = await driverWith(lk.fetchImpl, { url: "ws://127.0.0.1:7880/" }).connect({ sessionId, agentId });
    expect(lk.calls).toHaveLength(2);
    expect(media.url).toBe("ws://127.0.0.1:7880/");
  });
});

describe("liveKitMediaDriver.connect: the connection and participant token", () => {
  it("returns the livekit media connection the contract describes", async () => {
    const { media } = await connectOk();
    expect(media).toEqual({ driver: "livekit", url: "wss://lk.example.test", room, token: expect.any(String) });
    expect(MediaConnection.parse(media)).toEqual(media);
  });

  it("mints a 10-minute visitor token that may join only this room and publish, subscribe, send data", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { media } = await connectOk();
    const { payload } = await jwtVerify(media.token, secretKey, { algorithms: ["HS256"], issuer: apiKey });
    expect(payload.sub).toMatch(/^visitor-[0-9a-f-]{36}$/);
    expect(payload["name"]).toBe("Visitor");
    expect(payload["video"]).toEqual({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    expect((payload.exp ?? 0) - (payload.nbf ?? 0)).toBe(600);
    expect(payload.exp).toBeGreaterThanOrEqual(before + 600);
    expect(payload.exp).toBeLessThanOrEqual(before + 602);
    // LiveKit's own verifier accepts it too.
    const verified = await new TokenVerifier(apiKey, apiSecret).verify(media.token);
    expect(verified.sub).toBe(payload.sub);
  });

  it("gives every visitor a fresh identity", async () => {
    const a = await connectOk();
    const b = await connectOk();
    const subOf = async (t: string) => (await jwtVerify(t, secretKey)).payload.sub;
    expect(await subOf(a.media.token)).not.toBe(await subOf(b.media.token));
  });
});

describe("liveKitMediaDriver.connect: errors", () => {
  async function failing(routes: Record<string, () => Response | Promise<Response>>, extra: Partial<LiveKitDriverOptions> = {}) {
    const lk = fakeLiveKit(routes);
    const err: unknown = await driverWith(lk.fetchImpl, extra).connect({ sessionId, agentId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LiveKitError);
    return { err: err as LiveKitError, calls: lk.calls };
  }

  it("maps 503 unavailable on CreateRoom to a retryable error and does not dispatch", async () => {
    const { err, calls } = await failing({ [createRoomUrl]: () => twirpError(503, "unavailable", "no nodes available") });
    expect(err).toMatchObject({ name: "LiveKitError", operation: "RoomService/CreateRoom", status: 503, code: "unavailable", retryable: true });
    expect(err.message).toContain("no nodes available");
    expect(calls).toHaveLength(1);
  });

  it("maps 401 unauthenticated to a non-retryable error", async () => {
    const { err } = await failing({ [createRoomUrl]: () => twirpError(401, "unauthenticated", "invalid token") });
    expect(err).toMatchObject({ status: 401, code: "unauthenticated", retryable: false });
  });

  it.each([
    [408, "deadline_exceeded", true],
    [429, "resource_exhausted", true],
    [500, "internal", true],
    [502, "unavailable", true],
    [400, "invalid_argument", false],
    [403, "permission_denied", false],
    [404, "not_found", false],
    [409, "already_exists", false],
  ])("HTTP %i (%s) → retryable %s", async (status, code, retryable) => {
    const { err } = await failing({ [createRoomUrl]: () => twirpError(status, code, "x") });
    expect(err).toMatchObject({ status, code, retryable });
  });

  it("reports a failed dispatch after the room was created", async () => {
    const { err, calls } = await failing({
      [createRoomUrl]: () => Response.json(roomFixture),
      [createDispatchUrl]: () => twirpError(400, "invalid_argument", "agent name is required"),
    });
    expect(err).toMatchObject({ operation: "AgentDispatchService/CreateDispatch", status: 400, retryable: false });
    expect(calls).toHaveLength(2);
  });

  it("treats a non-JSON 502 from a proxy as retryable and keeps its text", async () => {
    const { err } = await failing({ [createRoomUrl]: () => new Response("<html>Bad Gateway</html>", { status: 502 }) });
    expect(err).toMatchObject({ status: 502, code: undefined, retryable: true });
    expect(err.message).toContain("Bad Gateway");
  });

  it("treats a network failure as retryable, with no status", async () => {
    const { err } = await failing({
      [createRoomUrl]: () => {
        throw new TypeError("Network connection lost.");
      },
    });
    expect(err).toMatchObject({ status: undefined, code: "unavailable", retryable: true });
  });

  it("gives up after requestTimeoutMs with a retryable deadline_exceeded", async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const err: unknown = await driverWith(hanging, { requestTimeoutMs: 20 }).connect({ sessionId, agentId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveKitError);
    expect(err).toMatchObject({ status: undefined, code: "deadline_exceeded", retryable: true });
  });

  it("rejects a 200 whose body is not a Room", async () => {
    const { err } = await failing({ [createRoomUrl]: () => Response.json({ rooms: [] }) });
    expect(err).toMatchObject({ status: 200, code: "malformed_response", retryable: false });
  });
});

describe("liveKitMediaDriver options", () => {
  const base = { url: "wss://lk.example.test", apiKey, apiSecret, agentName };
  it("refuses a non-websocket, non-http url and empty credentials up front", () => {
    expect(() => liveKitMediaDriver({ ...base, url: "ftp://lk.example.test" })).toThrow(/ws\(s\)/);
    expect(() => liveKitMediaDriver({ ...base, url: "not a url" })).toThrow(/not a URL/);
    expect(() => liveKitMediaDriver({ ...base, apiKey: "" })).toThrow(/apiKey/);
    expect(() => liveKitMediaDriver({ ...base, apiSecret: "" })).toThrow(/apiSecret/);
    expect(() => liveKitMediaDriver({ ...base, agentName: "" })).toThrow(/agentName/);
    expect(() => liveKitMediaDriver({ ...base, emptyTimeoutS: 0 })).toThrow(/emptyTimeoutS/);
  });

  it("names itself livekit", () => {
    expect(liveKitMediaDriver(base).name).toBe("livekit");
  });
});
