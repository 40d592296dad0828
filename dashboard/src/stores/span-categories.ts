// What a span is, from its name: the spans @livekit/agents 1.9 makes for a voice session
// (telemetry/trace_types and voice/*: agent_session, user_turn, eou_detection, agent_turn,
// llm_node → llm_request → llm_request_run, function_tool, tts_node → tts_request → tts_request_run,
// realtime_inference, …), our own, and the gen_ai.* operation as a fallback for anything else. Also
// the few attributes worth showing for a span, with their units (the library mixes seconds and ms).
// Pure: the waterfall's layout, its colours and its tooltips all read from here.
import type { SpanView } from "../../../packages/contracts/src/telemetry.ts";

export type SpanCategory = "session" | "user-turn" | "agent-turn" | "stt" | "llm" | "tool" | "tts" | "other";

export const spanCategories: SpanCategory[] = ["session", "user-turn", "agent-turn", "stt", "llm", "tool", "tts", "other"];

export const categoryLabels: Record<SpanCategory, string> = {
  session: "Session",
  "user-turn": "User turn",
  "agent-turn": "Agent turn",
  stt: "STT / end of turn",
  llm: "LLM",
  tool: "Tool",
  tts: "TTS",
  other: "Other",
};

const byName: Record<string, SpanCategory> = {
  // The job and the session around everything, and the agent's activity lifecycle.
  job_entrypoint: "session",
  agent_session: "session",
  start_agent_activity: "session",
  resume_agent_activity: "session",
  pause_agent_activity: "session",
  drain_agent_activity: "session",
  on_enter: "session",
  on_exit: "session",
  // The caller: user_turn carries the STT model, transcript, transcription and end-of-turn delays.
  user_turn: "user-turn",
  user_speaking: "user-turn",
  // 1.9 has no span per STT request: the end-of-turn model's run is the recognition side's own span.
  eou_detection: "stt",
  agent_turn: "agent-turn",
  agent_speaking: "agent-turn",
  llm_node: "llm",
  llm_request: "llm",
  llm_request_run: "llm",
  // A realtime (speech-to-speech) model stands in for STT + LLM + TTS; it is the model call.
  realtime_inference: "llm",
  realtime_metrics: "llm",
  function_tool: "tool",
  tts_node: "tts",
  tts_request: "tts",
  tts_request_run: "tts",
};

/** The spans that open a turn group in the waterfall (everything under them belongs to the turn). */
export const turnSpanNames = new Set(["user_turn", "agent_turn"]);

const prefixes: [RegExp, SpanCategory][] = [
  [/^stt($|[._-])/i, "stt"],
  [/^llm($|[._-])/i, "llm"],
  [/^tts($|[._-])/i, "tts"],
  [/^(tool|function)[._-]/i, "tool"],
];

const llmOperations = new Set(["chat", "text_completion", "generate_content"]);

/** The category of a span: its known name, else a stage prefix, else its gen_ai operation. */
export function classifySpan(span: Pick<SpanView, "name" | "attributes">): SpanCategory {
  const known = Object.hasOwn(byName, span.name) ? byName[span.name] : undefined;
  if (known) return known;
  for (const [pattern, category] of prefixes) if (pattern.test(span.name)) return category;
  const operation = span.attributes["gen_ai.operation.name"];
  if (operation === "execute_tool") return "tool";
  if (typeof operation === "string" && llmOperations.has(operation)) return "llm";
  return "other";
}

/** Failed: an error status, or a tool the library flagged as failed (its span status stays unset). */
export function isErrorSpan(span: Pick<SpanView, "status" | "attributes">): boolean {
  return span.status.code === "error" || span.attributes["lk.function_tool.is_error"] === true;
}

type Unit = "s" | "ms" | "none";

/** Attributes shown on hover, in this order. Seconds are shown as ms like every other latency here. */
const keyAttributes: [key: string, label: string, unit: Unit][] = [
  ["lk.function_tool.name", "Tool", "none"],
  ["gen_ai.tool.name", "Tool", "none"],
  ["gen_ai.request.model", "Model", "none"],
  ["gen_ai.provider.name", "Provider", "none"],
  ["lk.tts.label", "TTS", "none"],
  ["lk.response.ttft", "TTFT", "s"],
  ["lk.response.ttfb", "TTFB", "s"],
  ["gen_ai.response.time_to_first_chunk", "First chunk", "s"],
  ["lk.e2e_latency", "Voice-to-voice", "s"],
  // audio_recognition computes these from Date.now() differences: milliseconds.
  ["lk.transcription_delay", "Transcription delay", "ms"],
  ["lk.end_of_turn_delay", "End-of-turn delay", "ms"],
  ["lk.eou.probability", "EOU probability", "none"],
  ["lk.eou.endpointing_delay", "Endpointing delay", "ms"],
  ["lk.transcript_confidence", "Confidence", "none"],
  ["gen_ai.usage.input_tokens", "Input tokens", "none"],
  ["gen_ai.usage.output_tokens", "Output tokens", "none"],
  ["gen_ai.response.finish_reasons", "Finish", "none"],
  ["lk.interrupted", "Interrupted", "none"],
  ["lk.function_tool.is_error", "Tool error", "none"],
  ["error.type", "Error type", "none"],
  ["lk.retry_count", "Retry", "none"],
  ["lk.tts.streaming", "Streaming", "none"],
  ["lk.speech_id", "Speech", "none"],
  ["lk.generation_id", "Generation", "none"],
  // Present only when the runtime allows PII in spans; shortened like every value.
  ["lk.pii.user_transcript", "Transcript", "none"],
  ["lk.pii.response.text", "Response", "none"],
];

/** Longest value shown in a tooltip: attributes can hold whole prompts or tool outputs. */
export const maxAttributeChars = 120;

export function shorten(text: string, max = maxAttributeChars): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatValue(value: unknown, unit: Unit): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    if (unit === "s") return `${Math.round(value * 1000)} ms`;
    if (unit === "ms") return `${Math.round(value)} ms`;
    return String(Math.round(value * 1000) / 1000);
  }
  if (typeof value === "string" || typeof value === "boolean") return shorten(String(value));
  if (Array.isArray(value)) return shorten(value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", "));
  return shorten(JSON.stringify(value) ?? "");
}

/** The span's noteworthy attributes as short label/value pairs (never a whole prompt). */
export function keyAttributesOf(span: Pick<SpanView, "attributes">): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  const seen = new Set<string>();
  for (const [key, label, unit] of keyAttributes) {
    if (seen.has(label) || !Object.hasOwn(span.attributes, key)) continue;
    const value = formatValue(span.attributes[key], unit);
    if (value === null) continue;
    seen.add(label);
    out.push({ label, value });
  }
  return out;
}
