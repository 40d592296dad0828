import { describe, expect, it } from "vitest";
import { Validator } from "@cfworker/json-schema";
import { webhookEventTypes } from "@speaknode/contracts";
import { call } from "../../test/helpers.ts";

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) k === "$ref" && typeof v === "string" ? out.push(v) : refsIn(v, out);
  return out;
}

function resolve(doc: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), doc);
}

describe("the OpenAPI document's webhooks", () => {
  it("documents every event type with its payload schema, the signing headers and the delivery rules", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    const webhooks = doc["webhooks"] as Record<string, { post: Json }>;
    expect(Object.keys(webhooks).sort()).toEqual([...webhookEventTypes].sort());
    for (const type of webhookEventTypes) {
      const op = webhooks[type]?.post ?? {};
      const params = (op["parameters"] ?? []) as Json[];
      expect(params.filter((p) => p["in"] === "header" && p["required"] === true).map((p) => p["name"])).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature", "speaknode-event-type", "speaknode-event-version"]);
      expect(params.find((p) => p["name"] === "speaknode-event-type")?.["schema"]).toMatchObject({ enum: [type] });
      expect(String(op["description"])).toMatch(/at least once/i);
      expect(String(op["description"])).toMatch(/ordering is not promised/i);
      expect(String(op["description"])).toContain("5 s, 5 min, 30 min, 2 h, 5 h");
      const schemaRef = String(((op["requestBody"] as Json)["content"] as Record<string, { schema: Json }>)["application/json"]?.schema["$ref"]);
      const payload = resolve(doc, schemaRef) as Json;
      expect(payload["required"]).toEqual(["type", "timestamp", "data"]);
      expect((payload["properties"] as Record<string, Json>)["type"]).toMatchObject({ enum: [type] });
    }
  });

  it("stays a document every reference of which resolves, with unique operation ids", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const broken = refsIn(doc).filter((ref) => !ref.startsWith("#/") || resolve(doc, ref) === undefined);
    expect(broken).toEqual([]);
    const operations = [...Object.values(doc["paths"] as Record<string, Json>), ...Object.values(doc["webhooks"] as Record<string, Json>)].flatMap((item) => Object.values(item).filter(isRecord));
    const ids = operations.map((op) => op["operationId"]).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes a payload as it is sent, and refuses one whose data does not fit its type", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const body = ((((doc["webhooks"] as Json)["session.completed"] as Json)["post"] as Json)["requestBody"] as Json)["content"] as Record<string, { schema: Json }>;
    const ref = String(body["application/json"]?.schema["$ref"]);
    const validator = new Validator({ $ref: ref, components: doc["components"] } as never, "2020-12", false);
    const now = new Date().toISOString();
    const sent = {
      type: "session.completed",
      timestamp: now,
      data: {
        sessionId: "ses_01jqz8k3m4n5p6q7r8s9t0v1w2",
        agentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2",
        channel: "phone",
        direction: "outbound",
        startedAt: now,
        campaignId: null,
        campaignItemId: null,
        endedAt: now,
        durationSeconds: 42,
        endReason: "completed",
        transcriptUrl: "https://api.example.test/transcripts/ses_01jqz8k3m4n5p6q7r8s9t0v1w2?exp=1&sig=x",
        recordingUrl: null,
        linksExpireAt: now,
      },
    };
    expect(validator.validate(sent).errors).toEqual([]);
    expect(validator.validate({ ...sent, type: "session.failed" }).valid).toBe(false);
    expect(validator.validate({ ...sent, data: { ...sent.data, durationSeconds: "42" } }).valid).toBe(false);
  });
});
