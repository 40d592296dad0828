// The runner's live-progress socket: welcome with the protocol version and the progress, progress
// frames after changes (at most 4 a second), ping → pong, bad frames answered, and the dev routes.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CampaignServerMessage, campaignProtocolVersion } from "@speaknode/contracts";
import { call, origin } from "../../workers/test/helpers.ts";
import { campaignFixture, endCall, liveSessionsOf, runnerOf, runnerWorld, twilioAccepting, waitFor, wake, type CampaignFixture, type RunnerWorld } from "./testing.ts";

let rw: RunnerWorld;
beforeAll(async () => {
  rw = await runnerWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

class Viewer {
  readonly frames: { at: number; frame: CampaignServerMessage }[] = [];
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (e) => this.frames.push({ at: Date.now(), frame: CampaignServerMessage.parse(JSON.parse(String(e.data))) }));
    ws.accept();
  }
  async until(what: string, match: (f: CampaignServerMessage) => boolean): Promise<CampaignServerMessage> {
    return waitFor(what, async () => this.frames.find((f) => match(f.frame))?.frame, 5000);
  }
}

async function connect(c: CampaignFixture): Promise<Viewer> {
  const res = await runnerOf(c).fetch(`${origin}/live/campaigns/${c.campaignId}`, { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(101);
  if (!res.webSocket) throw new Error("no socket");
  return new Viewer(res.webSocket);
}

describe("CampaignRunner live progress", () => {
  it("welcomes with the protocol version and progress, then pushes progress as calls start and end", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 2 });
    const viewer = await connect(c);
    const welcome = await viewer.until("welcome", (f) => f.type === "welcome");
    expect(welcome).toMatchObject({ type: "welcome", protocolVersion: campaignProtocolVersion, progress: { campaignId: c.campaignId, status: "running", total: 2, byStatus: { pending: 2 }, liveCalls: [] } });

    await wake(c);
    const dialling = await viewer.until("two live calls", (f) => f.type === "progress" && f.progress.liveCalls.length === 2);
    if (dialling.type !== "progress") throw new Error("not progress");
    expect(dialling.progress.byStatus.in_progress).toBe(2);
    for (const live of dialling.progress.liveCalls) expect(live.phone).toMatch(/^\+1415•••01\d\d$/);
    await waitFor("calls placed", async () => twilio.calls().length === 2);

    for (const s of await liveSessionsOf(c.campaignId)) await endCall(s.id, "completed");
    await runnerOf(c).runAlarmForTest();
    const done = await viewer.until("completed", (f) => f.type === "progress" && f.progress.status === "completed");
    if (done.type !== "progress") throw new Error("not progress");
    expect(done.progress).toMatchObject({ total: 2, byStatus: { completed: 2, in_progress: 0 }, liveCalls: [], etaS: 0 });
    expect(done.progress.recent.map((r) => r.outcome)).toEqual(["completed", "completed"]);
    expect(done.progress.dialsPerMinute).toBeCloseTo(0.4);

    // At most 4 progress frames a second.
    const progressAt = viewer.frames.filter((f) => f.frame.type === "progress").map((f) => f.at);
    for (let i = 1; i < progressAt.length; i++) expect((progressAt[i] ?? 0) - (progressAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(240);
  });

  it("answers ping with pong and a bad frame with bad_message; refuses a plain request", async () => {
    const c = await campaignFixture(rw, { items: 1, status: "paused" });
    const viewer = await connect(c);
    await viewer.until("welcome", (f) => f.type === "welcome");
    viewer.ws.send('{"type":"ping"}');
    await viewer.until("pong", (f) => f.type === "pong");
    viewer.ws.send(' { "type" : "ping" } ');
    expect((await waitFor("second pong", async () => viewer.frames.filter((f) => f.frame.type === "pong").length === 2 || null)) === true).toBe(true);
    viewer.ws.send("hello");
    expect(await viewer.until("error", (f) => f.type === "error")).toMatchObject({ type: "error", code: "bad_message" });
    const plain = await runnerOf(c).fetch(`${origin}/live/campaigns/${c.campaignId}`);
    expect(plain.status).toBe(426);
  });

  it("the dev routes run the alarm now and evict the runner (dev tools on); the runner keeps its state", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 1 });
    await wake(c);
    await waitFor("one call", async () => twilio.calls().length === 1);
    const alarm = await call("POST", `/dev/campaigns/${c.campaignId}/runner/alarm`);
    expect(alarm.status, alarm.text).toBe(200);
    expect(alarm.body["nextAlarmAt"]).toEqual(expect.any(String));
    const evict = await call("POST", `/dev/campaigns/${c.campaignId}/runner/evict`);
    expect(evict.status, evict.text).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await runnerOf(c).progress())?.liveCalls).toHaveLength(1);
    expect((await call("POST", "/dev/campaigns/not-a-campaign/runner/alarm")).status).toBe(404);
    expect(twilio.calls()).toHaveLength(1);
  });
});
