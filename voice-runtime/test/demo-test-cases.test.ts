// The demo agent's seeded test cases (packages/db dev-seed.ts) against the runtime's own test-case
// runner, offline: the scripted LLM must pass each of them in text mode, so the README's
// `npm run agent:test` on a fresh `npm run dev` is green. A case the agent cannot pass fails.
import { describe, expect, it } from "vitest";
import { demoTestCases } from "@speaknode/db";
import type { RunnableTestCase } from "@speaknode/contracts";
import { runTestCase } from "../src/agent-tests/run-case.ts";
import { ProviderRegistry } from "../src/providers/registry.ts";
import { createHttpGuard } from "../src/tools/http-guard.ts";
import { demoCaseRequest, noCredentials } from "./demo-agent-config.ts";

const deps = { registry: new ProviderRegistry(noCredentials), guard: createHttpGuard({ allowPrivateHosts: [] }), maxResponseChars: 4000, caseTimeoutMs: 30_000 };

describe("the demo agent's seeded test cases", () => {
  it.each(demoTestCases.map((c) => [c.body.name, c] as const))("%s passes in text mode with the scripted LLM", async (_name, { id, body }) => {
    const outcome = await runTestCase(demoCaseRequest({ id, ...body }), deps);
    const said = outcome.turns.map((t) => `${t.role}: ${t.text} ${JSON.stringify(t.toolCalls)}`).join("\n");
    expect(outcome.failures, said).toEqual([]);
    expect(outcome.status, `${outcome.reason ?? ""}\n${said}`).toBe("passed");
  });

  it("the order lookup is answered by its mock, not the demo shop", async () => {
    const lookup = demoTestCases.find((c) => c.body.name === "Order lookup");
    if (!lookup) throw new Error("no seeded order lookup");
    const outcome = await runTestCase(demoCaseRequest({ id: lookup.id, ...lookup.body }), deps);
    expect(outcome.turns.flatMap((t) => t.toolCalls)).toContainEqual(expect.objectContaining({ name: "check_order", arguments: { orderId: "42" }, output: { orderId: "42", status: "shipped", items: 2 }, mocked: true }));
  });

  it("a case expecting what the demo never says fails at its turn", async () => {
    const greeting = demoTestCases[0]?.body;
    if (!greeting) throw new Error("no seeded greeting");
    const wrong: RunnableTestCase = { ...greeting, id: "atc_wrong", caller: { kind: "scripted", turns: [{ user: "Hello there", expect: [{ type: "reply_contains", text: "pineapple", caseSensitive: false }] }] } };
    const outcome = await runTestCase(demoCaseRequest(wrong), deps);
    expect(outcome.status).toBe("failed");
    expect(outcome.failures).toMatchObject([{ turn: 1, expectation: { type: "reply_contains", text: "pineapple" } }]);
  });
});
