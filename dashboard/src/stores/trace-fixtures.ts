// Spans shaped like those @livekit/agents 1.9 exports for one short call, for the trace tests:
// job_entrypoint → agent_session → user_turn (→ eou_detection), agent_turn (→ llm_node → llm_request,
// function_tool, tts_node → tts_request), and the loose user_speaking / agent_speaking spans.
import type { SpanView } from "../../../packages/contracts/src/telemetry.ts";

export const traceOrigin = Date.parse("2026-11-01T10:00:00.000Z");
export const traceId = "0af7651916cd43dd8448eb211c80319c";

let counter = 0;
const hex16 = () => (++counter).toString(16).padStart(16, "0");

export function span(name: string, startOffsetMs: number, durationMs: number, parent: SpanView | null, patch: Partial<SpanView> = {}): SpanView {
  const startMs = traceOrigin + startOffsetMs;
  const nano = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
  return {
    traceId,
    spanId: hex16(),
    parentSpanId: parent?.spanId ?? null,
    name,
    kind: "internal",
    startTimeUnixNano: nano(startMs),
    endTimeUnixNano: nano(startMs + durationMs),
    startMs,
    durationMs,
    status: { code: "unset", message: null },
    attributes: {},
    events: [],
    ...patch,
  };
}

/** One call: the caller asks, the agent looks something up (the tool fails) and answers. */
export function oneCall() {
  const job = span("job_entrypoint", -400, 12_000, null);
  const session = span("agent_session", -200, 11_700, job);
  const activity = span("start_agent_activity", -150, 40, session);
  const userSpeaking = span("user_speaking", 980, 1500, session);
  const userTurn = span("user_turn", 1000, 2100, session, { attributes: { "gen_ai.request.model": "nova-3", "lk.transcription_delay": 180, "lk.end_of_turn_delay": 420 } });
  const eou = span("eou_detection", 2600, 35, userTurn, { attributes: { "lk.eou.probability": 0.93 } });
  const agentTurn = span("agent_turn", 3150, 5200, session, { attributes: { "lk.e2e_latency": 1.234 } });
  const llmNode = span("llm_node", 3160, 900, agentTurn, { attributes: { "lk.response.ttft": 0.412 } });
  const llmRequest = span("llm_request", 3170, 880, llmNode, { attributes: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 812 } });
  const tool = span("function_tool", 4100, 300, agentTurn, {
    status: { code: "error", message: "upstream 503" },
    attributes: { "lk.function_tool.name": "lookup_order", "lk.function_tool.is_error": true, "gen_ai.tool.call.arguments": "x".repeat(5000) },
  });
  const ttsNode = span("tts_node", 4500, 3000, agentTurn, { attributes: { "lk.response.ttfb": 0.25 } });
  const ttsRequest = span("tts_request", 4510, 2900, ttsNode);
  const agentSpeaking = span("agent_speaking", 4800, 3800, session);
  const spans = [job, session, activity, userSpeaking, userTurn, eou, agentTurn, llmNode, llmRequest, tool, ttsNode, ttsRequest, agentSpeaking];
  return { spans, job, session, activity, userSpeaking, userTurn, eou, agentTurn, llmNode, llmRequest, tool, ttsNode, ttsRequest, agentSpeaking };
}
