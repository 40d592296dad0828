// Post-call analysis of one finished session: the agent's analysis settings become the parameters
// of one tool, `record_analysis` (a summary string, a `data` object with the structured data
// schema's fields, a success verdict or score), the model is forced to call it once with the
// transcript and the tool calls as material, and its checked arguments become the AnalysisOutput
// the Worker stores. Only what the settings ask for is in the tool, so the model is never asked to
// invent a summary or a score nobody wanted.
import type { llm } from "@livekit/agents";
import type { AnalysisOutput, AnalysisRequest, AnalysisSettings } from "@speaknode/contracts";
import { forcedToolCall, type ForcedToolCall, type JobUsage } from "./structured.ts";

export const analysisToolName = "record_analysis";

/** The output's limits (contracts' AnalysisOutput): longer answers are cut, not refused. */
const maxSummaryChars = 10_000;
const maxReasonChars = 2_000;
/** A long call's transcript is cut from the middle beyond this, keeping its start and end. */
const maxTranscriptChars = 60_000;

type Schema = Record<string, unknown>;

/** The JSON Schema of record_analysis's arguments, from the settings. */
export function analysisToolParameters(settings: AnalysisSettings): Schema {
  const properties: Record<string, Schema> = {};
  if (settings.summaryPrompt !== "") properties["summary"] = { type: "string", description: "The summary the instructions ask for." };
  const fields = Object.entries(settings.structuredData.properties);
  if (fields.length > 0) {
    properties["data"] = {
      type: "object",
      description: "Values of the fields, taken from the conversation.",
      properties: Object.fromEntries(
        fields.map(([name, field]) => [name, { type: field.type, ...(field.description ? { description: field.description } : {}), ...(field.enum ? { enum: field.enum } : {}) }]),
      ),
      required: settings.structuredData.required,
      additionalProperties: false,
    };
  }
  const success = settings.success;
  if (success.kind === "pass_fail") {
    properties["success"] = {
      type: "object",
      properties: { passed: { type: "boolean", description: "Whether the conversation meets the rubric." }, reason: { type: "string", description: "Why, in one or two sentences." } },
      required: ["passed", "reason"],
      additionalProperties: false,
    };
  } else if (success.kind === "score") {
    properties["success"] = {
      type: "object",
      properties: {
        score: { type: "integer", minimum: 1, maximum: success.scoreMax, description: `1 (worst) to ${success.scoreMax} (best), by the rubric.` },
        reason: { type: "string", description: "Why this score, in one or two sentences." },
      },
      required: ["score", "reason"],
      additionalProperties: false,
    };
  }
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

const roleName = { user: "Caller", agent: "Agent" } as const;

function transcriptText(request: AnalysisRequest): string {
  const lines = request.transcript.map((t) => `${roleName[t.role]}: ${t.text}`);
  let text = lines.join("\n");
  if (text.length > maxTranscriptChars) {
    const half = Math.floor(maxTranscriptChars / 2);
    text = `${text.slice(0, half)}\n[… the middle of the conversation is left out …]\n${text.slice(-half)}`;
  }
  return text;
}

/** The system and user messages: the conversation as material, then what to record. */
export function analysisPrompt(request: AnalysisRequest): Pick<ForcedToolCall, "system" | "user"> {
  const { settings } = request;
  const facts = [
    `Language: ${request.language}`,
    request.durationSeconds !== null ? `Duration: ${request.durationSeconds} s` : null,
    request.endReason ? `How it ended: ${request.endReason}` : null,
  ].filter((l): l is string => l !== null);
  const tools = request.toolCalls.map((c) => `- ${c.name}(${JSON.stringify(c.request)}) → ${c.status}`);
  const asks: string[] = [];
  if (settings.summaryPrompt !== "") asks.push(`Summary (field "summary"): ${settings.summaryPrompt}`);
  if (Object.keys(settings.structuredData.properties).length > 0) {
    asks.push('Structured data (field "data"): fill each field from what was said; leave out a field the conversation does not tell, unless it is required.');
  }
  if (settings.success.kind === "pass_fail") asks.push(`Success (field "success"): decide whether the conversation passes this rubric, and say why.\nRubric: ${settings.success.rubric}`);
  if (settings.success.kind === "score") {
    asks.push(`Success (field "success"): score the conversation from 1 to ${settings.success.scoreMax} by this rubric, and say why.\nRubric: ${settings.success.rubric}`);
  }
  const user = [
    "The conversation:",
    facts.join("\n"),
    "",
    transcriptText(request) || "(nothing was said)",
    "",
    tools.length ? `Tools the agent called:\n${tools.join("\n")}` : "The agent called no tools.",
    "",
    "What to record:",
    asks.join("\n\n"),
  ].join("\n");
  const system =
    `You analyse a finished phone or web conversation between a voice agent and a caller. Answer only by calling ${analysisToolName} once. ` +
    "Base every value on the conversation alone; never invent facts it does not contain. Write the summary and reasons in the conversation's language.";
  return { system, user };
}

const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/** The tool's arguments (valid against analysisToolParameters) as the output the Worker stores. */
export function analysisOutputOf(settings: AnalysisSettings, args: Record<string, unknown>): AnalysisOutput {
  const summary = settings.summaryPrompt !== "" && typeof args["summary"] === "string" ? cut(args["summary"], maxSummaryChars) : null;
  let data: AnalysisOutput["data"] = null;
  const declared = settings.structuredData.properties;
  if (Object.keys(declared).length > 0) {
    const raw = (args["data"] ?? {}) as Record<string, unknown>;
    data = Object.fromEntries(Object.entries(raw).filter(([name]) => Object.hasOwn(declared, name))) as NonNullable<AnalysisOutput["data"]>;
  }
  let success: AnalysisOutput["success"] = null;
  const verdict = args["success"] as { passed?: unknown; score?: unknown; reason?: unknown } | undefined;
  if (verdict && settings.success.kind === "pass_fail") {
    success = { passed: verdict.passed === true, score: null, reason: cut(String(verdict.reason ?? ""), maxReasonChars) };
  } else if (verdict && settings.success.kind === "score") {
    const score = Number(verdict.score);
    success = { passed: score >= settings.success.passScore, score, reason: cut(String(verdict.reason ?? ""), maxReasonChars) };
  }
  return { summary, data, success };
}

export interface AnalysisResult {
  output: AnalysisOutput;
  usage: JobUsage;
  attempts: number;
}

/** One forced tool call (with forcedToolCall's retries on malformed answers); throws StructuredAnswerError when none fits. */
export async function analyseSession(model: llm.LLM, request: AnalysisRequest, options: { retries?: number; timeoutMs?: number } = {}): Promise<AnalysisResult> {
  const answer = await forcedToolCall(model, {
    ...analysisPrompt(request),
    tool: { name: analysisToolName, description: "Record the analysis of the conversation.", parameters: analysisToolParameters(request.settings) },
    // The same conversation analysed twice should come out the same.
    temperature: 0,
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  return { output: analysisOutputOf(request.settings, answer.args), usage: answer.usage, attempts: answer.attempts };
}
