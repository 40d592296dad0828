import { describe, expect, it } from "vitest";
import { SessionEventCommand, toolResultPreviewMaxChars, type RuntimeEvent } from "@speaknode/contracts";
import { memberEventsOf, resultPreview } from "./member-events.ts";

const turn: RuntimeEvent = {
  type: "turn",
  turnId: "t1",
  role: "agent",
  text: "Your order shipped.",
  startedAt: "2026-12-05T06:00:00.000Z",
  endedAt: "2026-12-05T06:00:02.000Z",
  interrupted: false,
  metrics: { llmTimeToFirstTokenMs: 310, ttsTimeToFirstByteMs: 140, voiceToVoiceMs: 820 },
};
const toolCall = (response: unknown, extra: Partial<Extract<RuntimeEvent, { type: "tool.call" }>> = {}): RuntimeEvent => ({
  type: "tool.call",
  toolCallId: "call-1",
  name: "order_status",
  request: { orderId: 42 },
  ...(response === undefined ? {} : { response }),
  status: "ok",
  latencyMs: 410,
  ...extra,
});

describe("member-only live events of runtime events", () => {
  it("gives a turn its metrics under the runtime's names, with null for what the runtime did not measure", async () => {
    const [command, ...rest] = await memberEventsOf("evt-1", turn);
    expect(rest).toEqual([]);
    expect(SessionEventCommand.parse(command)).toEqual({
      eventId: "evt-1:metrics",
      event: {
        type: "turn.metrics",
        turnId: "t1",
        role: "agent",
        metrics: { endOfUtteranceDelayMs: null, sttFinalMs: null, llmTtftMs: 310, toolMs: null, ttsTtfbMs: 140, voiceToVoiceMs: 820, endOfTurnProbability: null, endOfTurnThreshold: null, preemptive: null, audioFromCache: null },
      },
    });
  });

  it("gives a user turn the end-of-turn model's judgement and an agent turn its preemptive and cached-audio marks", async () => {
    const user = { ...turn, role: "user" as const, metrics: { endOfUtteranceDelayMs: 260, endOfTurnProbability: 0.58, endOfTurnThreshold: 0.36 } };
    const [userCommand] = await memberEventsOf("evt-4", user);
    expect(SessionEventCommand.parse(userCommand).event).toMatchObject({ metrics: { endOfUtteranceDelayMs: 260, endOfTurnProbability: 0.58, endOfTurnThreshold: 0.36, preemptive: null } });
    const [agentCommand] = await memberEventsOf("evt-5", { ...turn, metrics: { preemptive: true, audioFromCache: true } });
    expect(SessionEventCommand.parse(agentCommand).event).toMatchObject({ metrics: { preemptive: true, audioFromCache: true, endOfTurnProbability: null } });
  });

  it("gives a tool call its arguments, result and error", async () => {
    const [ok] = await memberEventsOf("evt-2", toolCall({ status: "shipped" }));
    expect(SessionEventCommand.parse(ok)).toEqual({
      eventId: "evt-2:result",
      event: { type: "tool.result", toolCallId: "call-1", name: "order_status", arguments: { orderId: 42 }, result: { status: "shipped" }, truncated: false, error: null },
    });
    const [failed] = await memberEventsOf("evt-3", toolCall(undefined, { status: "timeout", error: "no answer within 5 s" }));
    expect(failed?.event).toMatchObject({ result: null, truncated: false, error: "no answer within 5 s" });
  });

  it("cuts a result whose JSON is longer than the preview to the start of that JSON, marked truncated", async () => {
    const big = { items: Array.from({ length: 500 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) };
    const [command] = await memberEventsOf("evt-4", toolCall(big));
    const event = SessionEventCommand.parse(command).event;
    expect(event).toMatchObject({ type: "tool.result", truncated: true });
    const result = (event as { result: unknown }).result;
    expect(result).toBe(JSON.stringify(big).slice(0, toolResultPreviewMaxChars));
  });

  it("keeps a result exactly at the limit whole, and never leaves half a surrogate pair at the cut", () => {
    const atLimit = "a".repeat(toolResultPreviewMaxChars - 2);
    expect(resultPreview(atLimit)).toEqual({ result: atLimit, truncated: false });
    // The JSON's opening quote shifts the text by one: the emoji straddles the limit.
    const straddling = `${"a".repeat(toolResultPreviewMaxChars - 2)}😀 and more`;
    const preview = resultPreview(straddling);
    expect(preview.truncated).toBe(true);
    expect(preview.result).toBe(`"${"a".repeat(toolResultPreviewMaxChars - 2)}`);
    expect(SessionEventCommand.safeParse({ eventId: "x", event: { type: "tool.result", toolCallId: "c", name: "n", arguments: {}, result: preview.result, truncated: true, error: null } }).success).toBe(true);
  });

  it("derives ids that a room takes even from the longest runtime event id", async () => {
    const longId = "e".repeat(200);
    const [metrics] = await memberEventsOf(longId, turn);
    const [result] = await memberEventsOf(longId, toolCall({ ok: true }));
    expect(metrics?.eventId).toMatch(/^[0-9a-f]{64}:metrics$/);
    expect(result?.eventId).toMatch(/^[0-9a-f]{64}:result$/);
    expect(SessionEventCommand.safeParse(metrics).success).toBe(true);
  });

  it("gives other events nothing", async () => {
    expect(await memberEventsOf("evt-5", { type: "heartbeat" })).toEqual([]);
    expect(await memberEventsOf("evt-6", { type: "transcript.partial", turnId: "t1", role: "user", text: "hel" })).toEqual([]);
  });
});
