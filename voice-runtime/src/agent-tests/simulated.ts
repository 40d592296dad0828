// The callers of a test case. Scripted: the case's lines in order. Simulated: a persona (who they
// are, what they want, how they talk) played by an LLM — the agent's own unless the runtime is
// given another — one line per agent reply, until it says it is done or has spoken `maxTurns` times.
import type { llm } from "@livekit/agents";
import type { ScriptedTurn, TestCaller } from "@speaknode/contracts";
import { complete, type JobUsage } from "../llm-jobs/structured.ts";
import type { CallerScript } from "./log.ts";

/** What the simulated caller writes when its goal is met or the conversation is over. */
export const doneMarker = "[DONE]";

export function scriptedCaller(turns: readonly ScriptedTurn[]): CallerScript {
  let next = 0;
  return { nextLine: async () => turns[next++]?.user ?? null };
}

type Persona = Extract<TestCaller, { kind: "simulated" }>["persona"];

export function personaPrompt(persona: Persona, language: string): string {
  return [
    "You are playing a caller in a test of a voice agent: you speak to the agent on a call. Stay in character; never say you are an AI or a test.",
    `Who you are: ${persona.identity}`,
    `What you want from this call: ${persona.goal}`,
    persona.traits ? `How you talk and behave: ${persona.traits}` : "",
    `Speak ${language}. Answer with only the words you say next: one or two short spoken sentences, no stage directions, no quotes, no speaker label.`,
    `When your goal is met or the conversation is clearly over, say your last words (if any) and end them with ${doneMarker}.`,
  ]
    .filter((l) => l !== "")
    .join("\n");
}

export class SimulatedCaller implements CallerScript {
  readonly #model: llm.LLM;
  readonly #system: string;
  readonly #maxTurns: number;
  readonly #usage: JobUsage;
  readonly #transcript: string[] = [];
  #spoken = 0;
  #done = false;

  /** `usage` receives the caller's tokens. */
  constructor(model: llm.LLM, caller: Extract<TestCaller, { kind: "simulated" }>, language: string, usage: JobUsage) {
    this.#model = model;
    this.#system = personaPrompt(caller.persona, language);
    this.#maxTurns = caller.maxTurns;
    this.#usage = usage;
  }

  async nextLine(lastAgentReply: string | null): Promise<string | null> {
    if (this.#done || this.#spoken >= this.#maxTurns) return null;
    if (lastAgentReply) this.#transcript.push(`Agent: ${lastAgentReply}`);
    const so = this.#transcript.length === 0 ? "The call has just been answered and the agent said nothing yet." : `The call so far:\n${this.#transcript.join("\n")}`;
    const { text, usage } = await complete(this.#model, { system: this.#system, user: `${so}\n\nWhat do you say next?` });
    this.#usage.prompt += usage.prompt;
    this.#usage.completion += usage.completion;
    const done = text.includes(doneMarker);
    const line = text
      .split(doneMarker)
      .join(" ")
      .replace(/^\s*(caller|you|me)\s*:\s*/i, "")
      .replace(/\s+/g, " ")
      .trim();
    if (done) this.#done = true;
    if (line === "") return null;
    this.#spoken++;
    this.#transcript.push(`You: ${line}`);
    return line;
  }
}
