// The bridge against the voice runtime's real local media endpoint (no agent: the test plays it
// through the channel the runtime would hand the session).
import { afterEach, describe, expect, it } from "vitest";
import { setLogLevel } from "../log.ts";
import type { LocalMediaChannel } from "../transport/local/channel.ts";
import { startLocalMediaServer } from "../transport/local/server.ts";
import { framesOf } from "../transport/local/testing.ts";
import { localSinkFactory } from "./local-sink.ts";
import { startVoximplantBridge } from "./server.ts";
import { bridgeTestSecret, callToken, fakeScenario } from "./testing.ts";

setLogLevel("error");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the bridge with the runtime's local media endpoint", () => {
  it("is admitted as the session's voximplant caller and carries a call from hello to the agent's hang-up", async () => {
    const channels: { channel: LocalMediaChannel; role: string | undefined }[] = [];
    const runtime = await startLocalMediaServer({ port: 0, tokenSecret: bridgeTestSecret, pingIntervalMs: 0, onChannel: (channel, info) => channels.push({ channel, role: info.role }) });
    const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: localSinkFactory({ mediaUrl: runtime.url, tokenSecret: bridgeTestSecret }) });
    cleanups.push(() => runtime.close(), () => bridge.close());

    const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_rt")}`, { codec: "ulaw", sampleRateHz: 8000 });
    await scenario.opened;
    scenario.start();
    await expect.poll(() => channels.length).toBe(1);
    const { channel, role } = channels[0]!;
    expect(role).toBe("voximplant");
    expect(channel.sessionId).toBe("ses_rt");
    expect(channel.sampleRateHz).toBe(8000);

    const reader = channel.input.stream.getReader();
    for (let i = 0; i < 3; i++) scenario.sendSamples(new Int16Array(160).fill(1500));
    const frame = (await reader.read()).value!;
    expect(frame.samplesPerChannel).toBe(160);
    expect(Math.abs(frame.data[80]! - 1500)).toBeLessThan(60);
    reader.releaseLock();

    for (const agentFrame of framesOf(new Int16Array(1600).fill(-2500), 8000)) await channel.output.captureFrame(agentFrame);
    channel.output.flush();
    await scenario.until(() => scenario.media.length >= 10, 3000);
    expect(Math.abs(scenario.media[5]!.samples[80]! + 2500)).toBeLessThan(120);

    await channel.close("the agent ended the call");
    expect(await scenario.closed).toEqual({ code: 1000, reason: "the agent ended the call" });
    expect(scenario.controls.at(-1)).toEqual({ speaknode: "hangup", reason: "the agent ended the call" });
  });

  it("makes the call a VoxImplant phone line: the caller's keys reach the session and the agent's keys reach the scenario", async () => {
    const channels: LocalMediaChannel[] = [];
    const runtime = await startLocalMediaServer({ port: 0, tokenSecret: bridgeTestSecret, pingIntervalMs: 0, onChannel: (channel) => channels.push(channel) });
    const bridge = await startVoximplantBridge({ port: 0, tokenSecret: bridgeTestSecret, sink: localSinkFactory({ mediaUrl: runtime.url, tokenSecret: bridgeTestSecret }) });
    cleanups.push(() => runtime.close(), () => bridge.close());

    const scenario = fakeScenario(`${bridge.url}?token=${await callToken("ses_keys")}`, { codec: "ulaw", sampleRateHz: 8000 });
    await scenario.opened;
    scenario.start();
    await expect.poll(() => channels.length).toBe(1);
    const phone = channels[0]!.phone!;
    // The bridge's token names the VoxImplant call (callToken binds `vox-<session>`).
    expect(phone).toMatchObject({ provider: "voximplant", callId: "vox-ses_keys" });

    const keys: string[] = [];
    phone.onDtmf((digit) => keys.push(digit));
    for (const digit of ["4", "2", "#"]) scenario.sendControl({ speaknode: "dtmf", digit });
    await expect.poll(() => keys).toEqual(["4", "2", "#"]);

    await phone.sendDtmf("1*");
    await scenario.until(() => scenario.controls.length >= 2);
    expect(scenario.controls).toEqual([
      { speaknode: "dtmf", digits: "1" },
      { speaknode: "dtmf", digits: "*" },
    ]);
    expect(bridge.metrics().calls[0]).toMatchObject({ dtmfIn: 3, dtmfDropped: 0, dtmfOut: 2 });
    expect(bridge.metrics().totals).toMatchObject({ dtmfIn: 3, dtmfOut: 2 });
    await channels[0]!.close("done");
  });
});
