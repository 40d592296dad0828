import { afterEach, describe, expect, it } from "vitest";
import { setLogLevel } from "../../log.ts";
import type { LocalMediaChannel } from "./channel.ts";
import { localCallIo } from "./call-io.ts";
import { connectLocalMedia, type LocalMediaClient } from "./client.ts";
import { startLocalMediaServer, type LocalMediaServer } from "./server.ts";
import { mediaToken, sleep, testTokenSecret } from "./testing.ts";

setLogLevel("error");

let server: LocalMediaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function call(token: { role: string; callId?: string }): Promise<{ client: LocalMediaClient; channel: LocalMediaChannel }> {
  const channels: LocalMediaChannel[] = [];
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, pingIntervalMs: 0, onChannel: (channel) => channels.push(channel) });
  const client = connectLocalMedia({ url: `${server.url}?session=ses_1`, token: await mediaToken("ses_1", token), sampleRateHz: 8000 });
  await client.ready;
  return { client, channel: channels[0]! };
}

describe("the local media channel's phone line", () => {
  it("makes the VoxImplant bridge's connection a voximplant phone line bound to the token's call id", async () => {
    const { client, channel } = await call({ role: "voximplant", callId: "4711" });
    expect(channel.phone).toMatchObject({ provider: "voximplant", callId: "4711" });
    // The runner gets it through the call's io.
    expect(localCallIo(channel).phone).toBe(channel.phone);
    await client.end();
  });

  it("uses the session id as the call id when the bridge's token names no call", async () => {
    const { client, channel } = await call({ role: "voximplant" });
    expect(channel.phone?.callId).toBe("ses_1");
    await client.end();
  });

  it("hands the session every key the caller pressed, one at a time and in order", async () => {
    const { client, channel } = await call({ role: "voximplant" });
    const keys: string[] = [];
    channel.phone!.onDtmf((digit) => keys.push(digit));
    client.sendDtmf("4");
    client.sendDtmf("2#");
    await expect.poll(() => keys).toEqual(["4", "2", "#"]);
    expect(client.errors).toEqual([]);
    await client.end();
  });

  it("sends the agent's keys to the bridge one per message, paced like a person dialling, and resolves once they are out", async () => {
    const { client, channel } = await call({ role: "voximplant" });
    const t0 = Date.now();
    await channel.phone!.sendDtmf("9*1");
    const took = Date.now() - t0;
    await expect.poll(() => client.dtmf.map((d) => d.digits)).toEqual(["9", "*", "1"]);
    // Two pauses of 250 ms between three keys.
    expect(took).toBeGreaterThanOrEqual(480);
    expect(took).toBeLessThan(1500);
    expect(client.dtmf[1]!.atMs - client.dtmf[0]!.atMs).toBeGreaterThanOrEqual(200);
    await expect(channel.phone!.sendDtmf("x")).rejects.toThrow(/0-9/);
    await client.end();
  });

  it("refuses to send keys once the call is over", async () => {
    const { client, channel } = await call({ role: "voximplant" });
    const sending = channel.phone!.sendDtmf("123");
    await client.end();
    await expect(sending).rejects.toThrow("the call has ended");
    await expect(channel.phone!.sendDtmf("1")).rejects.toThrow("the call has ended");
  });

  it("gives a browser's connection no phone line, and answers its keys with bad_frame without ending the call", async () => {
    for (const role of ["participant", "phone", "sip"]) {
      const { client, channel } = await call({ role });
      expect(channel.phone).toBeUndefined();
      expect(localCallIo(channel).phone).toBeUndefined();
      client.sendDtmf("1");
      await expect.poll(() => client.errors.map((e) => e.code)).toEqual(["bad_frame"]);
      await sleep(20);
      expect(client.endReason).toBeNull();
      expect(client.dtmf).toEqual([]);
      await client.end();
      await server?.close();
      server = undefined;
    }
  });
});
