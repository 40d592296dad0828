import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld, newUser, type World } from "../../test/helpers.ts";
import { agentBody, toolBody } from "../../test/fixtures.ts";

async function agentCount(w: World): Promise<number> {
  const list = await call("GET", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token });
  return list.body.data?.length ?? -1;
}

describe("agents: bad input is refused naming the field, and nothing is written", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["a name of 51 characters", { name: "n".repeat(51) }, "body.name"],
    ["temperature 1.5", { temperature: 1.5 }, "body.temperature"],
    ["speed 3", { locales: [{ language: "en-US", firstMessage: "Hi {{customer_name}}", speed: 3, tts: { provider: "flite", model: "flite", voice: "rms" } }] }, "body.locales.0.speed"],
    ["an unknown LLM model", { llm: { provider: "openai-compatible", model: "gpt-99" } }, "body.llm.model"],
    ["an unknown TTS provider", { locales: [{ language: "en-US", firstMessage: "Hi {{customer_name}}", tts: { provider: "nosuch", model: "x", voice: "v" } }] }, "body.locales.0.tts.model"],
    ["a prompt with an undeclared variable", { systemPrompt: "Hello {{customer_name}} {{order_id}} {{vip_level}}" }, "body.systemPrompt"],
    ["a first message with a malformed placeholder", { locales: [{ language: "en-US", firstMessage: "Hi {{ 1bad }} {{customer_name}}", tts: { provider: "flite", model: "flite", voice: "rms" } }] }, "body.locales.0.firstMessage"],
    ["a default language without a locale", { defaultLanguage: "ru" }, "body.defaultLanguage"],
    ["no locales", { locales: [] }, "body.locales"],
    ["the same language twice", { locales: [1, 2].map(() => ({ language: "en-US", firstMessage: "Hi {{customer_name}}", tts: { provider: "flite", model: "flite", voice: "rms" } })) }, "body.locales.1.language"],
    ["an unknown field", { colour: "blue" }, "body.colour"],
    ["a variable default of the wrong type", { variables: { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "integer", default: "seven" } }, required: [] } }, "body.variables.properties.order_id.default"],
    ["a required variable that is not declared", { variables: { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "integer" } }, required: ["ghost"] } }, "body.variables.required.0"],
    ["an unknown tool", { tools: [{ type: "webhook", toolId: "tol_01jqz8k3m4n5p6q7r8s9t0v1w2" }] }, "body.tools.0.toolId"],
    ["transfer_to_agent without targets", { tools: [{ type: "system", name: "transfer_to_agent" }] }, "body.tools.0.targets"],
    ["a transfer target in another space", { tools: [{ type: "system", name: "transfer_to_agent", targets: [{ agentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2", when: "billing questions" }] }] }, "body.tools.0.targets.0.agentId"],
  ];

  it.each(cases)("refuses %s", async (_what, overrides, field) => {
    const w = await makeWorld();
    const before = await agentCount(w);
    const res = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody(overrides) });
    expectProblem(res, 400, "validation_failed");
    const fields = (res.body["errors"] as { field: string }[]).map((e) => e.field);
    expect(fields).toContain(field);
    expect(await agentCount(w)).toBe(before);
  });

  it("refuses to attach a tool whose URL uses a variable the agent does not declare", async () => {
    const w = await makeWorld();
    const tool = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ url: "https://shop.example.test/loyalty/{{loyalty_tier}}" }) });
    expect(tool.status).toBe(201);
    const res = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ tools: [{ type: "webhook", toolId: tool.body["id"] }] }) });
    expectProblem(res, 400, "validation_failed");
    expect(JSON.stringify(res.body["errors"])).toContain('undeclared variable \\"loyalty_tier\\"');
  });

  it("refuses a disabled model when saving and when publishing", async () => {
    const w = await makeWorld();
    // A model of its own, so disabling it cannot disturb tests running alongside.
    const root = await newUser({ roles: ["platform-admin"] });
    const model = `flite-voice-${crypto.randomUUID().slice(0, 8)}`;
    const added = await call("POST", "/v1/catalog", { token: root.token, json: { kind: "tts", provider: "flite", model, displayName: "Flite (test)" } });
    expect(added.status).toBe(201);
    expect(added.body["offline"]).toBe(true);
    const locales = [{ language: "en-US", firstMessage: "Hi {{customer_name}}", tts: { provider: "flite", model, voice: "rms" } }];
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ locales }) });
    expect(created.status).toBe(201);
    expect((await call("PATCH", `/v1/catalog/${String(added.body["id"])}`, { token: root.token, json: { enabled: false } })).status).toBe(200);
    const publish = await call("POST", `/v1/agents/${String(created.body["id"])}/publish`, { token: w.owner.token });
    expectProblem(publish, 400, "validation_failed");
    expect(publish.body["errors"]).toEqual([{ field: "body.locales.0.tts.model", message: `tts model "${model}" of provider "flite" is disabled` }]);
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ locales }) }), 400, "validation_failed");
  });

  it("refuses a malformed If-Match and an unknown agent id", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody() });
    expectProblem(await call("PATCH", `/v1/agents/${String(created.body["id"])}`, { token: w.owner.token, json: { name: "x" }, headers: { "if-match": "version-one" } }), 412, "precondition_failed");
    expectProblem(await call("GET", "/v1/agents/agt_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("GET", "/v1/agents/not-an-agent", { token: w.owner.token }), 400, "validation_failed");
  });
});
