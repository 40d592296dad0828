// The Telephony page's VoxImplant and LiveKit SIP connections without a DOM: the forms' bodies
// (checked by the API's own schemas, the key file's wrong field named, lists one a line), the API's
// field errors placed on the right inputs, write-only secrets on edit, the health check and the
// VoxImplant scenario with its secret's rotation.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { ConnectionHealth, TelephonyConnection, VoximplantScenario } from "../../../packages/contracts/src/telephony.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, noContent, problem, type Recorded } from "../test-support.ts";
import { applyTelephonyEvent, createTelephonyStore } from "./telephony.ts";
import { applyCheckEvent, createCheckState, createConnectionChecks } from "./telephony-checks.ts";
import {
  emptyLiveKitSipForm,
  emptyVoximplantForm,
  liveKitSipBody,
  liveKitSipFormOf,
  liveKitSipPatch,
  keySummary,
  parseKeyFile,
  placeErrors,
  liveKitSipFields,
  voximplantBody,
  voximplantFormOf,
  voximplantPatch,
  type LiveKitSipForm,
} from "./telephony-forms.ts";
import { sipStatusWords } from "./telephony-labels.ts";

const at = "2026-12-05T10:00:00.000Z";
const spaceId = newId("space");
const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
const keyFile = { account_id: 4_812_345, key_id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", private_key: pem, account_email: "owner@example.com" };
const keyText = JSON.stringify(keyFile, null, 2);

const voxConnection = (over: Partial<TelephonyConnection> = {}): TelephonyConnection => ({
  id: newId("telephonyConnection"), spaceId, provider: "voximplant", name: "Vox line", accountId: "4812345", authType: "service_account", secretHint: "…e1f0", numberCount: 0,
  voximplant: { applicationId: 10_001, ruleId: 20_002, encoding: "pcm8", keyId: keyFile.key_id, scenarioUrl: "https://speaknode.test/telephony/voximplant/tcn_x/calls" },
  livekitSip: null, version: 1, createdAt: at, updatedAt: at, ...over,
});
const sipConnection = (over: Partial<TelephonyConnection> = {}): TelephonyConnection => ({
  id: newId("telephonyConnection"), spaceId, provider: "livekit_sip", name: "Office trunk", accountId: "example.pstn.twilio.com", authType: "sip", secretHint: "", numberCount: 0, voximplant: null,
  livekitSip: {
    outbound: { address: "example.pstn.twilio.com", transport: "tcp", authUsername: "speaknode" },
    inbound: { allowedAddresses: ["54.172.60.0/30"], authUsername: null },
    numbers: ["+14155550100", "+14155550101"],
    sync: { status: "off", syncedAt: null, detail: null, inboundTrunkId: null, outboundTrunkId: null },
  },
  version: 1, createdAt: at, updatedAt: at, ...over,
});
const sipForm = (over: Partial<LiveKitSipForm> = {}): LiveKitSipForm => ({
  ...emptyLiveKitSipForm, name: "Office trunk", outboundAddress: " example.pstn.twilio.com ", allowedAddresses: "54.172.60.0/30\n\n54.244.51.0/30, 10.0.0.1", numbers: "+1 415 555 0100\n+14155550101\n", ...over,
});

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

describe("VoxImplant connection form", () => {
  it("sends the pasted key file's three fields, the ids as numbers and the encoding", () => {
    const checked = voximplantBody({ name: "Vox line", keyText: `\n${keyText}\n`, applicationId: " 10001", ruleId: "20002", encoding: "ulaw" });
    expect(checked).toEqual({
      ok: true,
      body: { provider: "voximplant", name: "Vox line", serviceAccountKey: { account_id: 4_812_345, key_id: keyFile.key_id, private_key: pem }, applicationId: 10_001, ruleId: 20_002, encoding: "ulaw" },
    });
  });

  it("names the key file's field that is wrong, on the key input", () => {
    const bad = JSON.stringify({ ...keyFile, key_id: "short", private_key: "MIIEvQ…" });
    const checked = voximplantBody({ ...emptyVoximplantForm, name: "Vox", keyText: bad, applicationId: "1", ruleId: "2" });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(Object.keys(checked.fields)).toEqual(["serviceAccountKey"]);
    expect(checked.fields["serviceAccountKey"]).toMatch(/^key_id: must be the key's id; private_key: must be the PEM private key of the key file$/);
  });

  it("refuses text that is not the key file without quoting it, and ids that are not numbers", () => {
    const checked = voximplantBody({ ...emptyVoximplantForm, name: "Vox", keyText: pem, applicationId: "app-1", ruleId: "" });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.fields["serviceAccountKey"]).toMatch(/^is not JSON: must be the key file's JSON/);
    expect(JSON.stringify(checked.fields)).not.toContain("BEGIN");
    expect(checked.fields["applicationId"]).toBe("must be a number");
    expect(checked.fields["ruleId"]).toBe("is required");
    expect(parseKeyFile("[1,2]")).toEqual({ ok: false, message: expect.stringMatching(/account_id, key_id and private_key/) });
    expect(parseKeyFile(" ")).toEqual({ ok: false, message: "paste the service account key file or choose it" });
  });

  it("sums up a chosen key file by its account and key id, never its private key", () => {
    expect(keySummary(keyText)).toBe(`account 4812345, key ${keyFile.key_id}`);
    expect(keySummary("not json")).toBe("not a service account key file");
  });

  it("edits only what changed; an empty key keeps the stored one, a new one rotates it", () => {
    const current = voxConnection();
    const form = voximplantFormOf(current);
    expect(form).toEqual({ name: "Vox line", keyText: "", applicationId: "10001", ruleId: "20002", encoding: "pcm8" });
    expect(voximplantPatch(current, form)).toEqual({ ok: true, body: {} });
    expect(voximplantPatch(current, { ...form, ruleId: "30003", encoding: "ulaw" })).toEqual({ ok: true, body: { ruleId: 30_003, encoding: "ulaw" } });
    const rotated = voximplantPatch(current, { ...form, keyText });
    expect(rotated.ok && rotated.body.serviceAccountKey?.key_id).toBe(keyFile.key_id);
    const broken = voximplantPatch(current, { ...form, keyText: "{", applicationId: "" });
    expect(broken.ok === false && Object.keys(broken.fields).sort()).toEqual(["applicationId", "serviceAccountKey"]);
  });
});

describe("LiveKit SIP connection form", () => {
  it("reads addresses and numbers one a line (numbers to E.164) and leaves out empty credentials", () => {
    expect(liveKitSipBody(sipForm())).toEqual({
      ok: true,
      body: {
        provider: "livekit_sip",
        name: "Office trunk",
        outbound: { address: "example.pstn.twilio.com", transport: "auto" },
        inbound: { allowedAddresses: ["54.172.60.0/30", "54.244.51.0/30", "10.0.0.1"] },
        numbers: ["+14155550100", "+14155550101"],
      },
    });
    const withAuth = liveKitSipBody(sipForm({ outboundTransport: "tls", outboundUsername: " speaknode ", outboundPassword: "s3cret-pass" }));
    expect(withAuth.ok && withAuth.body.provider === "livekit_sip" && withAuth.body.outbound).toEqual({ address: "example.pstn.twilio.com", transport: "tls", authUsername: "speaknode", authPassword: "s3cret-pass" });
  });

  it("names the line that is wrong under its list, and a username without its password", () => {
    const checked = liveKitSipBody(sipForm({ allowedAddresses: "54.172.60.0/30\nsip.example.com", numbers: "+14155550100\n12", inboundUsername: "pbx", outboundAddress: "" }));
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.fields["inbound.allowedAddresses"]).toMatch(/^sip\.example\.com: must be an IP address or CIDR range/);
    expect(checked.fields["numbers"]).toMatch(/^12: must be a phone number with its country code/);
    expect(checked.fields["inbound.authPassword"]).toBe("needed with a username");
    expect(checked.fields["outbound.address"]).toBeDefined();
    expect(liveKitSipBody(sipForm({ numbers: " \n" }))).toEqual({ ok: false, fields: { numbers: "a trunk needs at least one number" } });
  });

  it("edits keep stored passwords: an unchanged side is not sent, a typed password sends its side whole", () => {
    const current = sipConnection();
    const form = liveKitSipFormOf(current);
    expect(form).toMatchObject({ outboundAddress: "example.pstn.twilio.com", outboundTransport: "tcp", outboundUsername: "speaknode", outboundPassword: "", allowedAddresses: "54.172.60.0/30", numbers: "+14155550100\n+14155550101" });
    expect(liveKitSipPatch(current, form)).toEqual({ ok: true, body: {} });
    expect(liveKitSipPatch(current, { ...form, numbers: `${form.numbers}\n+1 415 555 0102` })).toEqual({ ok: true, body: { numbers: ["+14155550100", "+14155550101", "+14155550102"] } });
    expect(liveKitSipPatch(current, { ...form, outboundPassword: "new-pass-99" })).toEqual({
      ok: true,
      body: { outbound: { address: "example.pstn.twilio.com", transport: "tcp", authUsername: "speaknode", authPassword: "new-pass-99" } },
    });
    expect(liveKitSipPatch(current, { ...form, allowedAddresses: "" })).toEqual({ ok: true, body: { inbound: { allowedAddresses: [] } } });
  });
});

describe("the API's field errors", () => {
  it("land on the input of their path, a list's entry named by the value sent", () => {
    const placed = placeErrors(
      { "outbound.address": "LiveKit refused this host", "numbers.1": "is already on another trunk", outbound: "has unknown fields: x", "settings.foo": "odd" },
      liveKitSipFields,
      { numbers: ["+14155550100", "+14155550101"] },
    );
    expect(placed.fields).toEqual({ "outbound.address": "LiveKit refused this host", numbers: "+14155550101: is already on another trunk" });
    expect(placed.unplaced).toEqual(["Foo odd"]);
  });

  it("are shown under the LiveKit SIP form's inputs when the API refuses a new connection", async () => {
    const { api, fetch } = apiWith(() =>
      problem("validation_failed", 400, "The request did not pass validation", [
        { field: "body.outbound.address", message: "must be a SIP host name with an optional port" },
        { field: "body.inbound.allowedAddresses.0", message: "is not reachable" },
      ]),
    );
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    const result = await store.addConnection({ provider: "livekit_sip", form: sipForm({ inboundUsername: "pbx", inboundPassword: "inbound-pass-1" }) });
    expect(fetch.requests[0]).toMatchObject({ method: "POST", url: `/v1/spaces/${spaceId}/telephony-connections` });
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toMatchObject({ provider: "livekit_sip", inbound: { authUsername: "pbx", authPassword: "inbound-pass-1" } });
    expect(result).toEqual({
      ok: false,
      fields: { "outbound.address": "must be a SIP host name with an optional port", "inbound.allowedAddresses": "54.172.60.0/30: is not reachable" },
      message: "Some fields need a change: see the messages below.",
    });
  });

  it("from VoxImplant's check land on the key input with the key file's field named, and no secret is kept", async () => {
    const made = voxConnection();
    let refuse = true;
    const { api, fetch } = apiWith(() =>
      refuse ? problem("validation_failed", 400, "VoxImplant refused the key", [{ field: "body.serviceAccountKey.private_key", message: "is a PKCS#1 key VoxImplant did not accept" }]) : json(made, 201),
    );
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    const form = { name: "Vox line", keyText, applicationId: "10001", ruleId: "20002", encoding: "pcm8" as const };
    expect(await store.addConnection({ provider: "voximplant", form })).toEqual({
      ok: false,
      fields: { serviceAccountKey: "private_key: is a PKCS#1 key VoxImplant did not accept" },
      message: "VoxImplant refused the key",
    });
    refuse = false;
    expect((await store.addConnection({ provider: "voximplant", form })).ok).toBe(true);
    expect(store.connections.value).toEqual([made]);
    expect(JSON.stringify(store.connections.value)).not.toContain("PRIVATE KEY");
    expect(fetch.requests).toHaveLength(2);
  });

  it("an edit with nothing changed sends nothing; a change PATCHes the connection", async () => {
    const current = sipConnection();
    const saved = { ...current, name: "Renamed" };
    const { api, fetch } = apiWith(() => json(saved));
    const store = createTelephonyStore(api);
    applyTelephonyEvent(store, { type: "loading", spaceId });
    applyTelephonyEvent(store, { type: "connections.loaded", spaceId, connections: [current] });
    expect(await store.editConnection(current, { provider: "livekit_sip", form: liveKitSipFormOf(current) })).toEqual({ ok: true, value: current });
    expect(fetch.requests).toHaveLength(0);
    await store.editConnection(current, { provider: "livekit_sip", form: { ...liveKitSipFormOf(current), name: "Renamed" } });
    expect(fetch.requests[0]).toMatchObject({ method: "PATCH", url: `/v1/telephony-connections/${current.id}`, body: JSON.stringify({ name: "Renamed" }) });
    expect(store.connections.value).toEqual([saved]);
  });
});

describe("connection checks", () => {
  const health = (connectionId: string): ConnectionHealth => ({
    connectionId, ok: false, checkedAt: at,
    checks: [{ name: "Account", ok: true, detail: "account 4812345 answers" }, { name: "Rule", ok: false, detail: "rule 20002 is not in application 10001" }],
  });

  it("runs the health check and keeps each check's result", async () => {
    const c = voxConnection();
    const { api, fetch } = apiWith(() => json(health(c.id)));
    const checks = createConnectionChecks(api);
    const running = checks.checkHealth(c.id);
    expect(checks.health.value[c.id]).toEqual({ status: "checking" });
    await running;
    expect(fetch.requests[0]).toMatchObject({ method: "GET", url: `/v1/telephony-connections/${c.id}/health` });
    expect(checks.health.value[c.id]).toEqual({ status: "done", health: health(c.id) });
  });

  it("says why a check could not run, and drops a late answer for a deleted connection", async () => {
    const c = voxConnection();
    const { api } = apiWith(() => problem("not_found", 404, "Not found"));
    const checks = createConnectionChecks(api);
    await checks.checkHealth(c.id);
    expect(checks.health.value[c.id]).toEqual({ status: "error", message: "Not found" });
    const s = createCheckState();
    applyCheckEvent(s, { type: "health.checking", connectionId: c.id });
    applyCheckEvent(s, { type: "forget", connectionId: c.id });
    applyCheckEvent(s, { type: "health.done", connectionId: c.id, health: health(c.id) });
    expect(s.health.value).toEqual({});
  });

  it("loads the VoxImplant scenario, and a rotation reads the new one with a notice to replace it", async () => {
    const c = voxConnection();
    const scenario = (secret: string): VoximplantScenario => ({ connectionId: c.id, fileName: "speaknode.voxengine.js", script: `const SECRET = "${secret}";`, steps: ["Open the application", "Create the scenario"] });
    let secret = "one";
    const { api, fetch } = apiWith((req) => {
      if (req.method === "POST") {
        secret = "two";
        return noContent();
      }
      return json(scenario(secret));
    });
    const checks = createConnectionChecks(api, () => new Date(at));
    await checks.loadScenario(c.id);
    expect(checks.scenarios.value[c.id]).toEqual({ status: "loaded", scenario: scenario("one"), rotatedAt: null });
    const rotating = checks.rotateScenarioSecret(c.id);
    // The old script stays on screen while the rotation runs.
    expect(checks.scenarios.value[c.id]).toEqual({ status: "loading", scenario: scenario("one") });
    await rotating;
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /v1/telephony-connections/${c.id}/voximplant-scenario`,
      `POST /v1/telephony-connections/${c.id}/voximplant-scenario/rotate`,
      `GET /v1/telephony-connections/${c.id}/voximplant-scenario`,
    ]);
    expect(checks.scenarios.value[c.id]).toEqual({ status: "loaded", scenario: scenario("two"), rotatedAt: at });
  });

  it("says a refused rotation did not happen, keeping the scenario shown", async () => {
    const c = voxConnection();
    const script: VoximplantScenario = { connectionId: c.id, fileName: "s.js", script: "x", steps: [] };
    const { api } = apiWith((req) => (req.method === "POST" ? problem("forbidden", 403, "Only Owners may do this") : json(script)));
    const checks = createConnectionChecks(api);
    await checks.loadScenario(c.id);
    await checks.rotateScenarioSecret(c.id);
    expect(checks.scenarios.value[c.id]).toEqual({ status: "error", scenario: script, message: "The secret was not rotated: Only Owners may do this" });
  });
});

describe("SIP status words", () => {
  it("says off means this deployment has no LiveKit, and a failure's detail", () => {
    expect(sipStatusWords("off", null)).toEqual({ text: "Off", tone: "neutral", detail: "this deployment has no LiveKit" });
    expect(sipStatusWords("failed", "LiveKit answered 401")).toEqual({ text: "Failed", tone: "danger", detail: "LiveKit answered 401" });
    expect(sipStatusWords("synced", null)).toEqual({ text: "Synced", tone: "ok", detail: null });
  });
});
