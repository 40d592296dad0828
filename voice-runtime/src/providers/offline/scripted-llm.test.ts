import { llm, voice } from "@livekit/agents";
import type { LLMMetrics } from "@livekit/agents";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedLLM, decideScriptedReply } from "./scripted-llm.ts";

type RunEvent = voice.testing.RunEvent;

/** The demo's tools, each recording the arguments it was called with. */
function demoTools(calls: { name: string; args: unknown }[], options: { failOrders?: boolean } = {}) {
  const record = (name: string) => (args: unknown) => calls.push({ name, args });
  return {
    check_order: llm.tool({
      description: "Look up the status of an order",
      parameters: z.object({ orderId: z.string().describe("The order number") }),
      execute: async (args) => {
        record("check_order")(args);
        if (options.failOrders) throw new llm.ToolError("order service unavailable");
        return { orderId: args.orderId, status: "shipped" };
      },
    }),
    // The system tools' shapes as session/system-tools.ts declares them.
    end_call: llm.tool({
      description: "End the call politely when the conversation is over. Say goodbye in `farewell`.",
      parameters: z.object({ farewell: z.string().optional() }),
      execute: async (args) => void record("end_call")(args),
    }),
    switch_language: llm.tool({
      description: "Switch the conversation to another language",
      parameters: z.object({ language: z.enum(["en-US", "es-ES"]) }),
      execute: async (args) => (record("switch_language")(args), `switched to ${args.language}`),
    }),
    transfer_to_agent: llm.tool({
      description: "Hand the conversation to another agent",
      parameters: z.object({ agent: z.enum(["Billing", "Support"]), reason: z.string().min(1) }),
      execute: async (args) => (record("transfer_to_agent")(args), "transferring"),
    }),
  };
}

const sessions: voice.AgentSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

async function startSession(model: ScriptedLLM, tools: llm.ToolContextLike) {
  const session = new voice.AgentSession({ llm: model });
  sessions.push(session);
  await session.start({ agent: new voice.Agent({ instructions: "You are the receptionist of the demo shop.", tools }) });
  const say = async (userInput: string) => (await session.run({ userInput }).wait()).events;
  return { session, say };
}

const calls = (events: RunEvent[]) => events.flatMap((e) => (e.type === "function_call" ? [{ name: e.item.name, args: JSON.parse(e.item.args) as unknown }] : []));
const replies = (events: RunEvent[]) => events.flatMap((e) => (e.type === "message" && e.item.role === "assistant" ? [e.item.textContent ?? ""] : [])).join(" ");

describe("ScriptedLLM", () => {
  it("calls a tool the user names, with the spoken number as its id, and answers from the result", async () => {
    const executed: { name: string; args: unknown }[] = [];
    const { say } = await startSession(new ScriptedLLM(), demoTools(executed));
    const events = await say("Could you check order four two?");
    expect(calls(events)).toEqual([{ name: "check_order", args: { orderId: "42" } }]);
    expect(executed).toEqual([{ name: "check_order", args: { orderId: "42" } }]);
    expect(replies(events)).toMatch(/^Order 42: status shipped\./);
  });

  it("takes a recogniser's 'for two' (flite's 'forty two' through a phone line) for 42, and a lone 'for' for a word", async () => {
    const executed: { name: string; args: unknown }[] = [];
    const { say } = await startSession(new ScriptedLLM(), demoTools(executed));
    await say("please check my order number for two");
    expect(executed).toEqual([{ name: "check_order", args: { orderId: "42" } }]);
    const other: { name: string; args: unknown }[] = [];
    const second = await startSession(new ScriptedLLM(), demoTools(other));
    await second.say("check the order for me it is number seven");
    expect(other).toEqual([{ name: "check_order", args: { orderId: "7" } }]);
  });

  it("takes the number said after the id's name over an earlier stray number (noise on a phone line heard as 'two')", async () => {
    const cases: [string, string][] = [
      ["two waves check my order number forty two", "42"],
      ["I have 3 parcels and my order is 1 2 3", "123"],
      ["check order please, it's 17", "17"],
    ];
    for (const [utterance, orderId] of cases) {
      const executed: { name: string; args: unknown }[] = [];
      const { say } = await startSession(new ScriptedLLM(), demoTools(executed));
      await say(utterance);
      expect(executed, utterance).toEqual([{ name: "check_order", args: { orderId } }]);
    }
  });

  it("asks for a missing required argument instead of calling, then calls once it is given", async () => {
    const executed: { name: string; args: unknown }[] = [];
    const { say } = await startSession(new ScriptedLLM(), demoTools(executed));
    const asked = await say("I'd like to check my order");
    expect(calls(asked)).toEqual([]);
    expect(replies(asked)).toMatch(/need the order id/i);
    const answered = await say("it's forty two");
    expect(executed).toEqual([{ name: "check_order", args: { orderId: "42" } }]);
    expect(replies(answered)).toMatch(/Order 42/);
  });

  it("says the tool failed when it returns an error", async () => {
    const { say } = await startSession(new ScriptedLLM(), demoTools([], { failOrders: true }));
    expect(replies(await say("check order 7"))).toMatch(/couldn't check order: the tool failed \(order service unavailable\)/);
  });

  it("ends the call on goodbye when end_call is available, and only says goodbye otherwise", async () => {
    const executed: { name: string; args: unknown }[] = [];
    const withTool = await startSession(new ScriptedLLM(), demoTools(executed));
    const farewell = "Goodbye, and thanks for trying the Speaknode demo!";
    expect(calls(await withTool.say("Thanks, that's all. Bye!"))).toEqual([{ name: "end_call", args: { farewell } }]);
    expect(executed.map((c) => c.name)).toEqual(["end_call"]);
    const withoutTool = await startSession(new ScriptedLLM(), {});
    const events = await withoutTool.say("goodbye");
    expect(calls(events)).toEqual([]);
    expect(replies(events)).toMatch(/goodbye/i);
  });

  it("switches to a language the tool allows, and declines one it does not", async () => {
    const { say } = await startSession(new ScriptedLLM(), demoTools([]));
    const switched = await say("Can we continue in Spanish please?");
    expect(calls(switched)).toEqual([{ name: "switch_language", args: { language: "es-ES" } }]);
    expect(replies(switched)).toBe("Okay, let's continue in Spanish.");
    const declined = await say("speak German");
    expect(calls(declined)).toEqual([]);
    expect(replies(declined)).toMatch(/only speak English or Spanish/);
  });

  it("transfers to the agent the user names, and asks which one when none is named", async () => {
    const { say } = await startSession(new ScriptedLLM(), demoTools([]));
    expect(calls(await say("please transfer me to billing"))).toEqual([
      { name: "transfer_to_agent", args: { agent: "Billing", reason: 'The caller said: "please transfer me to billing"' } },
    ]);
    const vague = await say("can I talk to someone else");
    expect(calls(vague)).toEqual([]);
    expect(replies(vague)).toMatch(/need the agent\. What is the agent\? I can use Billing, Support\./);
  });

  it("greets, and falls back to saying it is a scripted demo and listing its tools", async () => {
    const { say } = await startSession(new ScriptedLLM({ agentName: "Demo receptionist" }), demoTools([]));
    expect(replies(await say("hey there"))).toBe("Hello! This is Demo receptionist. How can I help you today?");
    const fallback = replies(await say("what is the meaning of life"));
    expect(fallback).toMatch(/scripted demo assistant/);
    expect(fallback).toContain('look up the status of an order (say "check order")');
    expect(fallback).toContain('end the call politely when the conversation is over (say "end call");');
  });

  it("reports estimated token usage in its metrics", async () => {
    const model = new ScriptedLLM();
    const metrics: LLMMetrics[] = [];
    model.on("metrics_collected", (m) => metrics.push(m));
    const { say } = await startSession(model, demoTools([]));
    await say("hello");
    expect(metrics).toHaveLength(1);
    expect(metrics[0]?.promptTokens).toBeGreaterThan(10);
    expect(metrics[0]?.completionTokens).toBeGreaterThan(0);
    expect(metrics[0]?.totalTokens).toBe((metrics[0]?.promptTokens ?? 0) + (metrics[0]?.completionTokens ?? 0));
  });

  it("streams its text in several chunks under its own label and model name", async () => {
    const model = new ScriptedLLM();
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: "user", content: "hello" });
    const chunks = [];
    for await (const chunk of model.chat({ chatCtx })) chunks.push(chunk);
    expect(chunks.filter((c) => c.delta?.content).length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.delta?.content ?? "").join("")).toBe("Hello! How can I help you today?");
    expect([model.label(), model.model]).toEqual(["speaknode.offline.ScriptedLLM", "scripted"]);
  });

  it("waits ttftMs before answering and stops when closed meanwhile", async () => {
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: "user", content: "hello" });
    const started = Date.now();
    const slow = await new ScriptedLLM({ ttftMs: 80 }).chat({ chatCtx }).collect();
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(slow.text).toMatch(/^Hello/);
    const stream = new ScriptedLLM({ ttftMs: 5_000 }).chat({ chatCtx });
    setTimeout(() => stream.close(), 20);
    const abortedAt = Date.now();
    const aborted = await stream.collect();
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(aborted.text).toBe("");
  });

  it("on the phone, acknowledges pressed keys, presses keys when asked, and transfers to a destination it hears named", () => {
    const said = (content: string) => {
      const chatCtx = llm.ChatContext.empty();
      chatCtx.addMessage({ role: "user", content });
      return chatCtx;
    };
    const sendDtmf = { name: "send_dtmf", description: "Press keys", schema: { type: "object", properties: { digits: { type: "string" } }, required: ["digits"] } };
    const toNumber = {
      name: "transfer_to_number",
      description: "Transfer the caller to a person",
      schema: { type: "object", properties: { destination: { type: "string", enum: ["billing desk"] }, reason: { type: "string" } }, required: ["destination"] },
    };
    const toAgent = { name: "transfer_to_agent", description: "Hand over", schema: { type: "object", properties: { agent: { type: "string", enum: ["Billing"] }, reason: { type: "string" } }, required: ["agent", "reason"] } };
    const tools = [sendDtmf, toNumber, toAgent];
    expect(decideScriptedReply(said("The caller pressed these keys on the phone keypad: 1 2 * #"), tools)).toEqual({ kind: "say", text: "You pressed 1, 2, star, pound." });
    expect(decideScriptedReply(said("Please press one two 3 then pound"), tools)).toEqual({ kind: "call", name: "send_dtmf", args: { digits: "123#" } });
    expect(decideScriptedReply(said("Please press one"), [toNumber])).toMatchObject({ kind: "say" });
    const asked = said("send dtmf");
    const question = decideScriptedReply(asked, tools);
    expect(question).toEqual({ kind: "say", text: "To send dtmf, I need the digits. What is the digits?" });
    asked.addMessage({ role: "assistant", content: question.kind === "say" ? question.text : "" });
    asked.addMessage({ role: "user", content: "four five six" });
    expect(decideScriptedReply(asked, tools)).toEqual({ kind: "call", name: "send_dtmf", args: { digits: "456" } });
    expect(decideScriptedReply(said("transfer me to the billing desk"), tools)).toEqual({ kind: "call", name: "transfer_to_number", args: { destination: "billing desk" } });
    expect(decideScriptedReply(said("transfer me to billing"), tools)).toMatchObject({ kind: "call", name: "transfer_to_agent", args: { agent: "Billing" } });
    expect(decideScriptedReply(said("can I talk to someone"), [toNumber])).toEqual({ kind: "say", text: "To transfer to number, I need the destination. What is the destination? I can use billing desk." });
  });

  it("opens with the first message, and fills integer parameters from spoken numbers", () => {
    expect(decideScriptedReply(llm.ChatContext.empty(), [], { firstMessage: "Welcome to the demo." })).toEqual({ kind: "say", text: "Welcome to the demo." });
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: "user", content: "book a table for twenty one people under Smith" });
    const bookTable = {
      name: "book_table",
      description: "Book a table",
      schema: { type: "object", properties: { guests: { type: "integer" }, name: { type: "string" } }, required: ["guests", "name"] },
    };
    expect(decideScriptedReply(chatCtx, [bookTable])).toEqual({ kind: "call", name: "book_table", args: { guests: 21, name: "people under smith" } });
    // A quantity is no identifier: "for two" books two, it is not read as 4-2.
    const forTwo = llm.ChatContext.empty();
    forTwo.addMessage({ role: "user", content: "book a table for two under Smith" });
    expect(decideScriptedReply(forTwo, [bookTable])).toMatchObject({ kind: "call", args: { guests: 2 } });
  });
});
