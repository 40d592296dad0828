import { decodeJwt } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { dtmfCode, liveKitSinkFactory } from "./livekit-sink.ts";
import { startVoximplantBridge } from "./server.ts";
import { bridgeTestSecret, callToken, fakeScenario, FakeSinkRoom } from "./testing.ts";
import { setLogLevel } from "../log.ts";

setLogLevel("error");

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp() {
  const room = new FakeSinkRoom();
  const bridge = await startVoximplantBridge({
    port: 0,
    tokenSecret: bridgeTestSecret,
    sink: liveKitSinkFactory({ url: "wss://livekit.example", apiKey: "APIkey", apiSecret: "a-livekit-api-secret-of-32-chars!!", room: () => room }),
  });
  cleanups.push(() => bridge.close());
  const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_lk")}`, { codec: "ulaw", sampleRateHz: 8000 });
  await scenario.opened;
  scenario.start();
  await expect.poll(() => room.published).not.toBeNull();
  return { room, bridge, scenario };
}

describe("the bridge's LiveKit sink", () => {
  it("joins the session's room as the caller with a token for that room only", async () => {
    const { room } = await setUp();
    expect(room.connectedWith!.url).toBe("wss://livekit.example");
    const claims = decodeJwt(room.connectedWith!.token);
    expect(claims).toMatchObject({ iss: "APIkey", sub: "voximplant-vox-ses_lk", video: { room: "sess-ses_lk", roomJoin: true, canPublish: true, canSubscribe: true } });
    expect(room.published!.sampleRateHz).toBe(8000);
  });

  it("publishes the caller's audio and sends the agent's back to the scenario", async () => {
    const { room, scenario } = await setUp();
    for (let i = 0; i < 3; i++) scenario.sendSamples(new Int16Array(160).fill(1200));
    await expect.poll(() => room.published!.samples.length).toBe(3);
    expect(room.published!.samples[0]!.length).toBe(160);
    room.agentSpeaks(new Int16Array(480).fill(-900));
    await scenario.until(() => scenario.media.length === 3);
    expect(scenario.media.map((m) => m.chunk)).toEqual([1, 2, 3]);
  });

  it("carries keys both ways as DTMF packets", async () => {
    const { room, scenario } = await setUp();
    scenario.sendControl({ speaknode: "dtmf", digit: "#" });
    await expect.poll(() => room.dtmfSent).toEqual([{ code: 11, digit: "#" }]);
    room.agentPresses("7");
    await scenario.until(() => scenario.controls.length > 0);
    expect(scenario.controls[0]).toEqual({ speaknode: "dtmf", digits: "7" });
    expect(dtmfCode("0")).toBe(0);
    expect(dtmfCode("*")).toBe(10);
    expect(dtmfCode("D")).toBe(15);
  });

  it("hangs up the scenario when the agent leaves, and leaves the room when the caller hangs up", async () => {
    const first = await setUp();
    first.room.agentLeaves();
    expect((await first.scenario.closed).code).toBe(1000);
    expect(first.scenario.controls).toContainEqual({ speaknode: "hangup", reason: "the agent ended the call" });

    const second = await setUp();
    second.scenario.sendControl({ speaknode: "hangup" });
    await second.scenario.closed;
    await expect.poll(() => second.room.disconnected).toBe(true);
  });

  it("fails the call with a typed error when the room is lost", async () => {
    const { room, scenario } = await setUp();
    room.roomLost();
    expect((await scenario.closed).code).toBe(1011);
    expect(scenario.controls[0]).toMatchObject({ speaknode: "error", code: "sink_lost" });
  });
});
