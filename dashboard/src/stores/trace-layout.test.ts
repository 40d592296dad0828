// The trace waterfall's pure parts without a DOM: which category a span is, the attributes a
// tooltip shows, and the layout (groups by turn, depth, offsets and widths on the session's axis).
import { describe, expect, it } from "vitest";
import { classifySpan, isErrorSpan, keyAttributesOf, maxAttributeChars } from "./span-categories.ts";
import { formatOffset, formatSpanDuration, groupForTurn, labelAfterBar, layoutTrace, timeTicks } from "./trace-layout.ts";
import { oneCall, span, traceOrigin } from "./trace-fixtures.ts";

const classify = (name: string, attributes: Record<string, unknown> = {}) => classifySpan({ name, attributes });

describe("span classification", () => {
  it("puts each span name @livekit/agents 1.9 emits in its category", () => {
    const expected: Record<string, string> = {
      job_entrypoint: "session",
      agent_session: "session",
      start_agent_activity: "session",
      drain_agent_activity: "session",
      on_enter: "session",
      user_turn: "user-turn",
      user_speaking: "user-turn",
      eou_detection: "stt",
      agent_turn: "agent-turn",
      agent_speaking: "agent-turn",
      llm_node: "llm",
      llm_request: "llm",
      llm_request_run: "llm",
      realtime_inference: "llm",
      function_tool: "tool",
      tts_node: "tts",
      tts_request: "tts",
      tts_request_run: "tts",
      answering_machine_detection: "other",
      event_loop_blocked: "other",
    };
    for (const [name, category] of Object.entries(expected)) expect([name, classify(name)]).toEqual([name, category]);
  });

  it("recognises stage prefixes of our own spans and falls back to the gen_ai operation", () => {
    expect(classify("stt")).toBe("stt");
    expect(classify("stt_request")).toBe("stt");
    expect(classify("stt.stream")).toBe("stt");
    expect(classify("sttx")).toBe("other");
    expect(classify("tts.synthesize")).toBe("tts");
    expect(classify("tool.http")).toBe("tool");
    expect(classify("openai.chat", { "gen_ai.operation.name": "chat" })).toBe("llm");
    expect(classify("crm-call", { "gen_ai.operation.name": "execute_tool" })).toBe("tool");
    expect(classify("toString")).toBe("other"); // not an inherited property of the name table
  });

  it("marks a span failed by its status or by the library's tool error flag", () => {
    const ok = { status: { code: "ok" as const, message: null }, attributes: {} };
    expect(isErrorSpan(ok)).toBe(false);
    expect(isErrorSpan({ ...ok, status: { code: "error", message: "boom" } })).toBe(true);
    expect(isErrorSpan({ ...ok, attributes: { "lk.function_tool.is_error": true } })).toBe(true);
  });

  it("shows key attributes in ms whatever unit the library used, and shortens long values", () => {
    const { agentTurn, userTurn, llmRequest, tool } = oneCall();
    expect(keyAttributesOf(agentTurn)).toEqual([{ label: "Voice-to-voice", value: "1234 ms" }]);
    expect(keyAttributesOf(userTurn)).toEqual([
      { label: "Model", value: "nova-3" },
      { label: "Transcription delay", value: "180 ms" },
      { label: "End-of-turn delay", value: "420 ms" },
    ]);
    expect(keyAttributesOf(llmRequest).map((a) => a.label)).toEqual(["Model", "Input tokens"]);
    // The 5000-character tool arguments are not a key attribute at all; the tool's name is.
    expect(keyAttributesOf(tool)).toEqual([
      { label: "Tool", value: "lookup_order" },
      { label: "Tool error", value: "true" },
    ]);
    const long = keyAttributesOf({ attributes: { "lk.pii.user_transcript": "word ".repeat(200), "gen_ai.response.finish_reasons": ["stop", "tool_call"] } });
    expect(long[0]?.value).toBe("stop, tool_call");
    expect(long[1]?.value.length).toBe(maxAttributeChars);
    expect(long[1]?.value.endsWith("…")).toBe(true);
  });
});

describe("waterfall layout", () => {
  it("groups spans by turn, the session's own spans first, with depth relative to the group", () => {
    const call = oneCall();
    const layout = layoutTrace(call.spans, traceOrigin);
    expect(layout.groups.map((g) => [g.kind, g.id])).toEqual([
      ["session", "session"],
      ["user", call.userTurn.spanId],
      ["agent", call.agentTurn.spanId],
    ]);
    const [session, user, agent] = layout.groups;
    expect(session?.rows.map((r) => [r.span.name, r.depth])).toEqual([
      ["job_entrypoint", 0],
      ["agent_session", 1],
      ["start_agent_activity", 2],
    ]);
    // Loose speaking spans join the turn they start in (user_speaking just before its turn), after its own rows.
    expect(user?.rows.map((r) => [r.span.name, r.depth, r.category])).toEqual([
      ["user_turn", 0, "user-turn"],
      ["eou_detection", 1, "stt"],
      ["user_speaking", 1, "user-turn"],
    ]);
    expect(agent?.rows.map((r) => [r.span.name, r.depth])).toEqual([
      ["agent_turn", 0],
      ["llm_node", 1],
      ["llm_request", 2],
      ["function_tool", 1],
      ["tts_node", 1],
      ["tts_request", 2],
      ["agent_speaking", 1],
    ]);
    expect(layout.spanCount).toBe(call.spans.length);
    expect(layout.categories.sort()).toEqual(["agent-turn", "llm", "session", "stt", "tool", "tts", "user-turn"]);
  });

  it("places bars relative to the session's start, stretching the axis to spans before it", () => {
    const call = oneCall();
    const layout = layoutTrace(call.spans, traceOrigin);
    expect([layout.domainStartMs, layout.domainEndMs]).toEqual([-400, 11_600]);
    const row = (id: string) => layout.groups.flatMap((g) => g.rows).find((r) => r.span.spanId === id);
    const llm = row(call.llmRequest.spanId);
    expect(llm?.offsetMs).toBe(3170);
    expect(llm?.leftPct).toBeCloseTo(((3170 + 400) / 12_000) * 100);
    expect(llm?.widthPct).toBeCloseTo((880 / 12_000) * 100);
    expect(row(call.job.spanId)?.leftPct).toBe(0);
    expect(row(call.tool.spanId)?.error).toBe(true);
    expect(layout.groups.map((g) => g.error)).toEqual([false, false, true]);
    // The agent group runs to the end of agent_speaking, which started inside the turn.
    expect([layout.groups[2]?.startMs, layout.groups[2]?.endMs]).toEqual([3150, 8600]);
  });

  it("reaches at least the session's duration, and orders siblings by start whatever the input order", () => {
    const call = oneCall();
    const layout = layoutTrace([...call.spans].reverse(), traceOrigin, { minEndMs: 30_000 });
    expect(layout.domainEndMs).toBe(30_000);
    expect(layout.groups[2]?.rows.map((r) => r.span.name)).toEqual(["agent_turn", "llm_node", "llm_request", "function_tool", "tts_node", "tts_request", "agent_speaking"]);
  });

  it("treats a span whose parent has not arrived as a root, and keeps spans of a parent cycle", () => {
    const orphanParent = span("agent_turn", 500, 1000, null);
    const child = span("llm_node", 600, 300, orphanParent); // its parent is not in the response
    const a = span("mystery", 100, 10, null);
    const b = span("mystery", 120, 10, a);
    const cyclic = [{ ...a, parentSpanId: b.spanId }, b];
    const layout = layoutTrace([child, ...cyclic], traceOrigin);
    expect(layout.groups).toHaveLength(1);
    expect(layout.groups[0]?.rows.map((r) => [r.span.name, r.depth])).toEqual([
      ["llm_node", 0],
      ["mystery", 0],
      ["mystery", 1],
    ]);
    expect(layout.spanCount).toBe(3);
  });

  it("finds a transcript turn's group by role and time", () => {
    const call = oneCall();
    const { groups } = layoutTrace(call.spans, traceOrigin);
    expect(groupForTurn(groups, "user", 1000)?.id).toBe(call.userTurn.spanId);
    // The agent's words start when it speaks, well after its turn began.
    expect(groupForTurn(groups, "agent", 4800)?.id).toBe(call.agentTurn.spanId);
    expect(groupForTurn(groups, "user", 3500)?.id).toBe(call.userTurn.spanId); // nearest start within 3 s
    expect(groupForTurn(groups, "user", 60_000)).toBeNull();
    expect(groupForTurn(groups, "agent", 0)).toBeNull();
  });

  it("lays out a thousand spans quickly", () => {
    const session = span("agent_session", 0, 600_000, null);
    const spans = [session];
    for (let i = 0; i < 200; i++) {
      const turn = span(i % 2 ? "agent_turn" : "user_turn", i * 3000, 2500, session);
      spans.push(turn, span("llm_node", i * 3000 + 10, 800, turn), span("tts_node", i * 3000 + 900, 1200, turn), span("eou_detection", i * 3000 + 5, 20, turn));
    }
    const started = performance.now();
    const layout = layoutTrace(spans, traceOrigin);
    expect(performance.now() - started).toBeLessThan(200);
    expect(layout.spanCount).toBe(801);
    expect(layout.groups).toHaveLength(201);
  });
});

describe("waterfall axis and labels", () => {
  it("picks round tick steps: 1-2-5 below a second, whole seconds and minutes above", () => {
    expect(timeTicks(0, 900)).toEqual({ ticks: [0, 200, 400, 600, 800], stepMs: 200 });
    expect(timeTicks(-400, 11_600).stepMs).toBe(2000);
    expect(timeTicks(-400, 11_600).ticks[0]).toBe(0);
    expect(timeTicks(0, 300_000).stepMs).toBe(60_000);
    expect(timeTicks(0, 20 * 3_600_000).stepMs).toBe(4 * 3_600_000);
  });

  it("formats offsets and durations", () => {
    expect(formatOffset(12_000, 2000)).toBe("0:12");
    expect(formatOffset(-2000, 2000)).toBe("−0:02");
    expect(formatOffset(-400, 1000)).toBe("−0.4 s"); // not "−0:00"
    expect(formatOffset(4800, 1000)).toBe("0:04"); // cut like the transcript's offsets
    expect(formatOffset(61_000, 60_000)).toBe("1:01");
    expect(formatOffset(400, 200)).toBe("0.4 s");
    expect(formatOffset(40, 20)).toBe("0.04 s");
    expect(formatSpanDuration(0.42)).toBe("0.42 ms");
    expect(formatSpanDuration(35)).toBe("35 ms");
    expect(formatSpanDuration(2100)).toBe("2.10 s");
    expect(formatSpanDuration(65_000)).toBe("65.0 s");
  });

  it("puts the duration label before a bar that ends near the right edge", () => {
    expect(labelAfterBar({ leftPct: 10, widthPct: 20 })).toBe(true);
    expect(labelAfterBar({ leftPct: 70, widthPct: 25 })).toBe(false);
  });
});
