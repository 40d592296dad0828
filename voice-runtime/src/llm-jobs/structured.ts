// One-shot LLM jobs outside a conversation — a post-call analysis, a judged test expectation, a
// simulated caller's next line — through the same `llm.LLM` a session's agent uses, so keys,
// endpoints and the SSRF guard are the registry's (providers/registry.ts). `forcedToolCall` makes
// the model answer by calling one tool whose JSON Schema parameters describe the answer (the
// reliable way to get structured output from any OpenAI-compatible endpoint), checks the
// arguments against that schema and retries a malformed answer; `complete` gets plain text.
import { Validator } from "@cfworker/json-schema";
import type { Schema } from "@cfworker/json-schema";
import { llm } from "@livekit/agents";

export interface JobUsage {
  prompt: number;
  completion: number;
}

export interface Exchange {
  /** The system prompt: who the model is for this job. */
  system: string;
  /** The material and the question. */
  user: string;
}

export interface ForcedToolCall extends Exchange {
  tool: { name: string; description: string; parameters: Record<string, unknown> };
  /** Asks again this many times when the answer is missing or does not match the schema (default 2). */
  retries?: number;
  /** Per attempt (default 60 s). */
  timeoutMs?: number;
  /** Sent as the request's own temperature: the OpenAI plugin leaves out a model temperature of 0. */
  temperature?: number;
}

/** The model gave no usable answer after its retries; `message` says what was wrong with the last one. */
export class StructuredAnswerError extends Error {
  override name = "StructuredAnswerError";
  readonly attempts: number;
  constructor(message: string, attempts: number) {
    super(message);
    this.attempts = attempts;
  }
}

type ToolParameters = llm.FunctionTool["parameters"];

function chatOf(x: Exchange, correction?: string): llm.ChatContext {
  const ctx = llm.ChatContext.empty();
  ctx.addMessage({ role: "system", content: x.system });
  ctx.addMessage({ role: "user", content: correction ? `${x.user}\n\n${correction}` : x.user });
  return ctx;
}

async function collect(stream: llm.LLMStream, timeoutMs: number): Promise<{ text: string; calls: llm.FunctionCall[]; usage: JobUsage }> {
  let text = "";
  const calls: llm.FunctionCall[] = [];
  const usage: JobUsage = { prompt: 0, completion: 0 };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.close();
  }, timeoutMs);
  timer.unref();
  try {
    for await (const chunk of stream) {
      if (chunk.delta?.content) text += chunk.delta.content;
      if (chunk.delta?.toolCalls?.length) calls.push(...chunk.delta.toolCalls);
      if (chunk.usage) {
        usage.prompt = chunk.usage.promptTokens;
        usage.completion = chunk.usage.completionTokens;
      }
    }
  } finally {
    clearTimeout(timer);
    stream.close();
  }
  if (timedOut) throw new Error(`the model did not answer within ${timeoutMs} ms`);
  return { text, calls, usage };
}

/** The tool's arguments, valid against its schema; throws StructuredAnswerError after the retries. */
export async function forcedToolCall(model: llm.LLM, job: ForcedToolCall): Promise<{ args: Record<string, unknown>; usage: JobUsage; attempts: number }> {
  const retries = job.retries ?? 2;
  const timeoutMs = job.timeoutMs ?? 60_000;
  const validator = new Validator(job.tool.parameters as Schema, "2020-12", false);
  // The tool is only advertised: it is never executed (the answer is read from the call).
  const tool = llm.tool({
    name: job.tool.name,
    description: job.tool.description,
    parameters: job.tool.parameters as ToolParameters,
    execute: async () => undefined,
  });
  const usage: JobUsage = { prompt: 0, completion: 0 };
  let problem = "";
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const correction = problem ? `Your previous answer was not usable (${problem}). Call ${job.tool.name} once, with arguments that follow its schema.` : undefined;
    let answer: Awaited<ReturnType<typeof collect>>;
    try {
      answer = await collect(model.chat({ chatCtx: chatOf(job, correction), toolCtx: [tool], toolChoice: { type: "function", function: { name: job.tool.name } }, parallelToolCalls: false, ...(job.temperature !== undefined ? { extraKwargs: { temperature: job.temperature } } : {}) }), timeoutMs);
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
      if (attempt > retries) throw new StructuredAnswerError(problem, attempt);
      continue;
    }
    usage.prompt += answer.usage.prompt;
    usage.completion += answer.usage.completion;
    const call = answer.calls.find((c) => c.name === job.tool.name);
    if (!call) {
      problem = "it called no tool";
    } else {
      let args: unknown;
      try {
        args = JSON.parse(call.args || "{}");
      } catch {
        args = undefined;
      }
      if (typeof args !== "object" || args === null || Array.isArray(args)) {
        problem = "its arguments were not a JSON object";
      } else {
        const checked = validator.validate(args);
        if (checked.valid) return { args: args as Record<string, unknown>, usage, attempts: attempt };
        problem = checked.errors
          .slice(0, 5)
          .map((e) => `${e.instanceLocation}: ${e.error}`)
          .join("; ");
      }
    }
    if (attempt > retries) throw new StructuredAnswerError(problem, attempt);
  }
  throw new StructuredAnswerError(problem, retries + 1);
}

/** Plain text from the model (no tools), e.g. a simulated caller's next line. */
export async function complete(model: llm.LLM, x: Exchange, timeoutMs = 60_000): Promise<{ text: string; usage: JobUsage }> {
  const answer = await collect(model.chat({ chatCtx: chatOf(x) }), timeoutMs);
  return { text: answer.text.trim(), usage: answer.usage };
}
