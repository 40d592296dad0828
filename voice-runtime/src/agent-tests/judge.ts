// Judged expectations: the criteria and the conversation go to an LLM (the agent's), which must
// answer by calling `verdict` with passed and a reason (llm-jobs/structured.ts forcedToolCall,
// temperature 0). Without a real LLM (the offline scripted one) verdicts are "skipped".
import type { llm } from "@livekit/agents";
import type { TestTurn } from "@speaknode/contracts";
import { forcedToolCall, type JobUsage } from "../llm-jobs/structured.ts";

export const verdictTool = {
  name: "verdict",
  description: "Give your verdict: whether the agent's side of the conversation meets the criteria, and why in one sentence.",
  parameters: {
    type: "object",
    properties: {
      passed: { type: "boolean", description: "true when the criteria are met" },
      reason: { type: "string", minLength: 1, maxLength: 1000, description: "Why, citing what the agent said or did" },
    },
    required: ["passed", "reason"],
    additionalProperties: false,
  },
} as const;

export interface Verdict {
  passed: boolean;
  reason: string;
}

/** The conversation as the judge reads it: who said what, with the agent's tool calls. */
export function transcriptText(turns: readonly TestTurn[]): string {
  let caller = 0;
  return turns
    .map((t) => {
      if (t.role === "user") return `Caller (turn ${++caller}): ${t.text}`;
      const calls = t.toolCalls.map((c) => `[called ${c.name}(${JSON.stringify(c.arguments)})${c.error ? ` → error: ${c.error}` : c.output !== undefined ? ` → ${JSON.stringify(c.output)}` : ""}]`);
      const handoff = t.handoff ? [`[handed over to ${t.handoff}]`] : [];
      return `Agent: ${[...calls, ...handoff, t.text].filter((x) => x !== "").join(" ")}`;
    })
    .join("\n");
}

export type Judge = (criteria: string, turn: number | null) => Promise<Verdict>;

/** A judge on `model` for this conversation; `usage` receives its tokens. */
export function llmJudge(model: llm.LLM, turns: () => readonly TestTurn[], usage: JobUsage): Judge {
  return async (criteria, turn) => {
    const scope = turn === null ? "Judge the agent's side of the whole conversation." : `Judge only the agent's reply to the caller's turn ${turn} (the conversation is for context).`;
    const answer = await forcedToolCall(model, {
      system: "You review conversations between a caller and a voice agent against test criteria. You are strict and fair: a criterion is met only if the conversation shows it.",
      user: `Conversation:\n${transcriptText(turns())}\n\nCriteria: ${criteria}\n\n${scope} Call verdict.`,
      tool: { ...verdictTool, parameters: verdictTool.parameters as unknown as Record<string, unknown> },
      temperature: 0,
    });
    usage.prompt += answer.usage.prompt;
    usage.completion += answer.usage.completion;
    return { passed: answer.args["passed"] === true, reason: String(answer.args["reason"] ?? "") };
  };
}
