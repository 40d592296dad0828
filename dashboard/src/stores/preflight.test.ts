// The pre-flight and the publish flow without a DOM: the editor runs it on load and after every
// save and publish ("unpublished changes"), a 422 preflight_failed brings its problems, an Owner's
// force is sent as such, and a problem's field leads to the control to focus.
import { describe, expect, it } from "vitest";
import { Agent, AgentConfig } from "../../../packages/contracts/src/agents.ts";
import type { PreflightProblem } from "../../../packages/contracts/src/problem.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, type Recorded } from "../test-support.ts";
import { createAgentEditorStore, tabOfField } from "./agent-editor.ts";
import { focusCandidates } from "./preflight.ts";

const at = "2026-12-01T10:00:00.000Z";
const voiceProblem: PreflightProblem = { code: "voice_unknown", field: "locales.0.tts.voice", message: 'English (en) · Voice: "alloy" is not a flite voice', language: "en" };

function agentFixture(): Agent {
  const config = AgentConfig.parse({
    name: "Support",
    llm: { provider: "scripted", model: "demo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en",
    locales: [{ language: "en", firstMessage: "Hi!", tts: { provider: "flite", model: "flite", voice: "rms" } }],
  });
  return { ...config, id: ids.agent(), spaceId: ids.space(), version: 3, published: true, publishedVersion: 1, createdAt: at, updatedAt: at };
}

function setup(route: (req: Recorded, agent: Agent) => Response | undefined) {
  const agent = agentFixture();
  const preflight = { ok: true, problems: [] as PreflightProblem[], unpublishedChanges: false, checkedAt: at };
  const fetch = fakeFetch((req) => {
    const answer = route(req, agent);
    if (answer) return answer;
    if (req.url === `/v1/agents/${agent.id}/preflight`) return json(preflight);
    if (req.url === `/v1/agents/${agent.id}/versions`) return json({ data: [] });
    if (req.method === "GET" && req.url === `/v1/agents/${agent.id}`) return json(agent);
    return json({ error: "unexpected" }, 599);
  });
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  return { store: createAgentEditorStore({ api, agentId: agent.id, loadCatalog: async () => [] }), fetch, agent, preflight };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const preflightCalls = (fetch: { requests: Recorded[] }) => fetch.requests.filter((r) => r.url.endsWith("/preflight")).length;

describe("pre-flight in the agent editor", () => {
  it("checks on load and again after a save, so the header's unpublished-changes badge follows the saved draft", async () => {
    const { store, fetch, preflight } = setup((req, a) => (req.method === "PATCH" ? json({ ...a, ...(JSON.parse(req.body ?? "{}") as object), version: 4, warnings: [] }) : undefined));
    await store.load();
    await settle();
    expect(preflightCalls(fetch)).toBe(1);
    expect(store.preflight.result.value?.unpublishedChanges).toBe(false);
    preflight.unpublishedChanges = true;
    store.edit((d) => void (d.name = "Support desk"));
    expect(await store.save()).toBe(true);
    await settle();
    expect(preflightCalls(fetch)).toBe(2);
    expect(store.preflight.result.value?.unpublishedChanges).toBe(true);
  });

  it("shows a refused publish's problems, and publishes with force when an Owner insists", async () => {
    let refuse = true;
    const { store, fetch, preflight } = setup((req, a) => {
      if (!req.url.endsWith("/publish")) return undefined;
      if (refuse) {
        return json({ type: "https://speaknode.dev/problems/preflight_failed", title: "Pre-flight checks failed", status: 422, detail: "The agent has 1 problem", code: "preflight_failed", requestId: "req_1", problems: [voiceProblem] }, 422, "application/problem+json");
      }
      return json({ ...a, version: 4, publishedVersion: 2 });
    });
    await store.load();
    expect(await store.publish("v2")).toBe(false);
    expect(store.preflight.result.value?.problems).toEqual([voiceProblem]);
    expect(store.preflight.result.value?.ok).toBe(false);
    expect(store.message.value).toBe("Publishing was refused: fix the problems listed on the Publish tab.");
    expect(JSON.parse(fetch.requests.find((r) => r.url.endsWith("/publish"))?.body ?? "{}")).toEqual({ note: "v2" });
    refuse = false;
    preflight.unpublishedChanges = false;
    expect(await store.publish("v2", { force: true })).toBe(true);
    const forced = fetch.requests.filter((r) => r.url.endsWith("/publish")).at(-1);
    expect(JSON.parse(forced?.body ?? "{}")).toEqual({ note: "v2", force: true });
    expect(forced?.headers["if-match"]).toBe('"3"');
    await settle();
    // Published: the check ran again and the problems shown are the server's latest.
    expect(store.preflight.result.value).toEqual(preflight);
    expect(store.agent.value?.publishedVersion).toBe(2);
  });

  it("says in words when the check itself failed, without inventing a result", async () => {
    const { store } = setup((req) => (req.url.endsWith("/preflight") ? json({ error: "down" }, 503) : undefined));
    await store.load();
    await settle();
    expect(store.preflight.error.value).toMatch(/^Could not run the pre-flight: /);
    expect(store.preflight.result.value).toBeNull();
  });
});

describe("a problem leads to its field", () => {
  it("opens the tab of the field and tries the control itself, then the model select for a provider, then its parents", () => {
    expect(tabOfField("locales.1.tts.voice")).toBe("languages");
    expect(tabOfField("stt.model")).toBe("models");
    expect(tabOfField("tools.2")).toBe("tools");
    expect(focusCandidates("locales.1.tts.voice")).toEqual(["locales.1.tts.voice", "locales.1.tts", "locales.1", "locales"]);
    expect(focusCandidates("stt.provider")).toEqual(["stt.provider", "stt.model", "stt"]);
  });
});
