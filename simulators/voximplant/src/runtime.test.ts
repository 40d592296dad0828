import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSpeak } from "../../twilio/src/test-harness.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "./server.ts";
import { api, startFakeEdge, testAccount } from "./test-harness.ts";

let sim: VoximplantSimulator;
beforeAll(async () => {
  sim = await startVoximplantSimulator({ accounts: [testAccount], speak: fakeSpeak });
});
afterAll(() => sim.close());

async function run(scenario: string, customData = ""): Promise<number> {
  sim.setScenario(7000001, scenario);
  const out = await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: customData });
  return out.call_session_history_id as number;
}

describe("the VoxEngine runtime's documented limits", () => {
  it("stops a callback that runs over a second, records it, and goes on with the next listener", async () => {
    const id = await run(`
      VoxEngine.addEventListener(AppEvents.Started, function () { while (true) {} });
      VoxEngine.addEventListener(AppEvents.Started, function () { Logger.write("second listener ran"); });`);
    const session = sim.session(id);
    expect(session?.errors.join(" ")).toMatch(/timed out/i);
    expect(session?.events.some((e) => e.kind === "log" && e.text === "second listener ran")).toBe(true);
  });

  it("refuses custom data over 200 bytes, in StartScenarios and in VoxEngine.customData", async () => {
    expect((await api(sim.url, "StartScenarios", { rule_id: "8000001", script_custom_data: "x".repeat(201) })).error).toMatchObject({ code: 102 });
    const id = await run(`VoxEngine.addEventListener(AppEvents.Started, function () { VoxEngine.customData("${"y".repeat(201)}"); });`);
    expect(sim.session(id)?.errors.join(" ")).toContain("customData is at most 200 bytes");
  });

  it("allows 100 active timers and no more", async () => {
    const id = await run(`VoxEngine.addEventListener(AppEvents.Started, function () {
      let made = 0;
      try { for (let i = 0; i < 101; i++) { setTimeout(function () {}, 60000); made++; } } catch (e) { Logger.write("made " + made + ": " + e.message); }
    });`);
    expect(sim.session(id)?.events.find((e) => e.kind === "log")?.text).toBe("made 100: too many active timers (100)");
  });

  it("refuses a scenario over 256*1024 characters", async () => {
    const res = await fetch(`${sim.url}/sim/applications/7000001/scenario`, { method: "PUT", body: "//".padEnd(256 * 1024 + 1, "x") });
    expect(res.status).toBe(413);
  });

  it("answers a network failure of Net.httpRequestAsync with a negative code instead of rejecting", async () => {
    const edge = await startFakeEdge(() => ({ body: {} }));
    const dead = edge.url;
    await edge.close();
    const id = await run(`VoxEngine.addEventListener(AppEvents.Started, async function () {
      const r = await Net.httpRequestAsync(${JSON.stringify(dead)} + "/x", { method: "GET" });
      Logger.write("code " + r.code + " " + (r.error ? "with error" : "no error"));
    });`);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.session(id)?.events.find((e) => e.kind === "log")?.text).toBe("code -1 with error");
  });
});
