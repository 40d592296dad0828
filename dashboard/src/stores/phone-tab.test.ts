// The agent editor's Phone tab without a DOM: phone system tools in the agent's tools list, phone
// numbers read back as E.164, and the "Call me" test (its body, the destination check, the call
// placed and its live events followed).
import { describe, expect, it } from "vitest";
import { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import * as phone from "../../../packages/phone/src/index.ts";
import type { PhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import type { ToolRef } from "../../../packages/contracts/src/tools.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { patchBody, tabOfField, validateDraft } from "./agent-editor.ts";
import { pageAfterSwitch, permissionsFor } from "./permissions.ts";
import { callMeBody, createCallMeStore, destinationWarning, isLocalApi, newDestination, normalisePhoneInput, phoneToolsOf, withDestinations, withSystemTool } from "./phone-tab.ts";
import type { SocketLike } from "./sessions-live.ts";

const endCall: ToolRef = { type: "system", name: "end_call" };
const desk = { name: "billing desk", number: "+14155550123", when: "the caller asks about an invoice", announcement: "Transferring you to billing." };

describe("phone tools", () => {
  it("attaches transfer_to_number with an empty destination list, and send_dtmf bare, each once", () => {
    const tools = withSystemTool(withSystemTool([endCall], "transfer_to_number", true), "send_dtmf", true);
    expect(tools).toEqual([endCall, { type: "system", name: "transfer_to_number", destinations: [] }, { type: "system", name: "send_dtmf" }]);
    expect(withSystemTool(tools, "send_dtmf", true)).toBe(tools);
    expect(withSystemTool(tools, "transfer_to_number", false)).toEqual([endCall, { type: "system", name: "send_dtmf" }]);
  });

  it("finds the phone tools and replaces the destinations in place (attaching the tool when needed)", () => {
    expect(phoneToolsOf([endCall])).toEqual({ transferIndex: -1, destinations: [], dtmfIndex: -1 });
    const added = withDestinations([endCall], [desk]);
    expect(added).toEqual([endCall, { type: "system", name: "transfer_to_number", destinations: [desk] }]);
    const two = withDestinations(added, [desk, newDestination()]);
    expect(phoneToolsOf(two)).toEqual({ transferIndex: 1, destinations: [desk, { name: "", number: "", when: "", announcement: "" }], dtmfIndex: -1 });
  });

  it("reads a typed phone number back as E.164 and leaves what is not one as typed", () => {
    expect(normalisePhoneInput(" +1 (415) 555-0123 ")).toBe("+14155550123");
    expect(normalisePhoneInput("0044 20 7946 0018")).toBe("+442079460018");
    expect(normalisePhoneInput(" 555 ")).toBe("555");
  });
});

describe("the Phone tab in the agent editor", () => {
  const saved = AgentConfig.parse({
    name: "Caller",
    llm: { provider: "scripted", model: "echo" },
    stt: { provider: "pocketsphinx", model: "en-us" },
    defaultLanguage: "en",
    locales: [{ language: "en", firstMessage: "Hi", tts: { provider: "flite", model: "kal", voice: "kal" } }],
  });

  it("sends the voicemail policy and the phone tools as the agent's telephony and tools fields", () => {
    const draft = { ...structuredClone(saved), telephony: { voicemail: { action: "leave_message" as const, message: "Call us back, {{name}}." } }, tools: withDestinations(withSystemTool(saved.tools, "send_dtmf", true), [desk]) };
    expect(Object.keys(patchBody(saved, draft)).sort()).toEqual(["telephony", "tools"]);
  });

  it("refuses a destination number that is not E.164 before saving, and shows it on the Phone tab", () => {
    const draft = { ...structuredClone(saved), tools: withDestinations(saved.tools, [{ ...desk, number: "0415 555" }]) };
    const fields = validateDraft(draft, patchBody(saved, draft));
    expect(Object.keys(fields)).toEqual(["tools.0.destinations.0.number"]);
    expect(tabOfField("tools.0.destinations.0.number")).toBe("phone");
    expect(tabOfField("tools.0")).toBe("tools");
    expect(tabOfField("telephony.voicemail.message")).toBe("phone");
  });

  it("lives at /spaces/{id}/telephony for every member; only Owners manage it", () => {
    expect(pageAfterSwitch("telephony", "member")).toBe("telephony");
    expect(permissionsFor("member").manageTelephony).toBe(false);
    expect(permissionsFor("owner").manageTelephony).toBe(true);
  });
});

describe("call me", () => {
  const from = newId("phoneNumber");
  it("builds the outbound call body with the number as E.164, and says what is missing", () => {
    expect(callMeBody({ to: "+1 415 555 0123", fromNumberId: from })).toEqual({ ok: true, body: { to: "+14155550123", fromNumberId: from, variables: {} } });
    expect(callMeBody({ to: "+14155550123", fromNumberId: from, variables: { customer_name: "Ada", vip: true } })).toEqual({ ok: true, body: { to: "+14155550123", fromNumberId: from, variables: { customer_name: "Ada", vip: true } } });
    const bad = callMeBody({ to: "12", fromNumberId: "" });
    expect(bad.ok === false && Object.keys(bad.fields).sort()).toEqual(["fromNumberId", "to"]);
  });

  it("warns when the chosen number may not call the destination's country", () => {
    const us: Pick<PhoneNumber, "e164" | "allowedCountries"> = { e164: "+14155550100", allowedCountries: ["US"] };
    expect(destinationWarning(phone, "+1 415 555 0123", us)).toBeNull();
    expect(destinationWarning(phone, "+44 20 7946 0018", us)).toMatch(/may only call US; \+442079460018 is in GB/);
    expect(destinationWarning(phone, "+44 20 7946 0018", { ...us, allowedCountries: ["*"] })).toBeNull();
    expect(destinationWarning(phone, "+44 20 7946 0018", { ...us, allowedCountries: [] })).toMatch(/may only call no country/);
    expect(destinationWarning(phone, "not yet", us)).toBeNull();
  });

  it("tells a local API (the Twilio simulator answers) from a deployed one", () => {
    expect(isLocalApi("", "http://127.0.0.1:8787")).toBe(true);
    expect(isLocalApi("http://localhost:8787", "https://app.example")).toBe(true);
    expect(isLocalApi("", "https://speaknode.example")).toBe(false);
    expect(isLocalApi("https://api.speaknode.example", "http://127.0.0.1:8787")).toBe(false);
  });

  function fakeSockets() {
    const opened: { url: string; socket: SocketLike }[] = [];
    const open = (url: string): SocketLike => {
      const socket: SocketLike = { readyState: 1, send: () => {}, close: () => {}, onopen: null, onmessage: null, onclose: null, onerror: null };
      opened.push({ url, socket });
      return socket;
    };
    return { opened, open };
  }

  it("places the call, follows its session's live events, and hangs up through the session", async () => {
    const agentId = newId("agent");
    const sessionId = newId("session");
    const eventsUrl = `ws://127.0.0.1:8787/v1/sessions/${sessionId}/live?token=t`;
    const fetch = fakeFetch((req: Recorded) =>
      req.url.endsWith("/calls") ? json({ sessionId, status: "dispatching", agentId, fromNumberId: from, to: "+14155550123", providerCallId: "CA1", eventsUrl }, 201) : new Response(null, { status: 204 }),
    );
    const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
    const sockets = fakeSockets();
    const store = createCallMeStore({ api, agentId, openSocket: sockets.open });
    const call = await store.place({ to: "+1 415 555 0123", fromNumberId: from });
    expect(call?.sessionId).toBe(sessionId);
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toEqual({ to: "+14155550123", fromNumberId: from, variables: {} });
    expect(sockets.opened.map((o) => o.url)).toEqual([eventsUrl]);
    expect(store.live.status.value).toBe("dispatching");
    sockets.opened[0]?.socket.onmessage?.({ data: JSON.stringify({ type: "transcript.final", seq: 1, at: "2026-12-04T10:00:00.000Z", turnId: "t1", role: "agent", text: "Hello from the agent" }) } as MessageEvent);
    expect(store.live.turns.value.map((t) => t.text)).toEqual(["Hello from the agent"]);
    await store.hangUp();
    expect(fetch.requests[1]).toMatchObject({ method: "POST", url: `/v1/sessions/${sessionId}/end` });
    store.stop();
  });

  it("shows the API's refusal (an unverified caller id) and opens no socket", async () => {
    const fetch = fakeFetch(() => problem("caller_id_unverified", 400, "Twilio refused the call: the caller id is not verified", [{ field: "body.fromNumberId", message: "not a verified caller id" }]));
    const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
    const sockets = fakeSockets();
    const store = createCallMeStore({ api, agentId: newId("agent"), openSocket: sockets.open });
    expect(await store.place({ to: "+14155550123", fromNumberId: from })).toBeNull();
    expect(store.fields.value).toEqual({ fromNumberId: "not a verified caller id" });
    expect(store.message.value).toMatch(/caller id is not verified/);
    expect(sockets.opened).toEqual([]);
  });
});
