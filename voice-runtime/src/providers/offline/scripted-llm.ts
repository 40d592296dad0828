// The offline "LLM" of the embedded default: a rules-based demo brain, not a language model. It
// reads the conversation and the agent's tools and answers with fixed phrasings, so the whole
// voice pipeline (tool calls, end_call, language switch, transfer, metrics) runs with no model
// and no network. Its replies say plainly that it is a scripted demo assistant. On phone calls it
// acknowledges pressed keys, presses keys when asked ("press 1 2 3" → send_dtmf), and transfers to
// a destination it hears named ("transfer me to the billing desk" → transfer_to_number).
import { DEFAULT_API_CONNECT_OPTIONS, llm, shortuuid } from "@livekit/agents";
import type { APIConnectOptions } from "@livekit/agents";
import { setTimeout as sleep } from "node:timers/promises";
import { keysPressedReply, keysToPress } from "./scripted-phone.ts";
import { GENERIC, baseTag, buildArgs, capitalize, enumOf, findLanguage, isIdentifier, languageName, lastWord, looksLikeTag, phrase, splitName, stem, tokenize } from "./scripted-words.ts";
import type { SchemaNode } from "./scripted-words.ts";

export interface ScriptedLLMOptions {
  /** Said when asked to reply before the user has spoken (the session's opening turn). */
  firstMessage?: string;
  agentName?: string;
  /** Delay before the first chunk, to simulate a model's latency in benchmarks. Default 0. */
  ttftMs?: number;
}

/** What the script decided: words to say, or one tool to call. */
export type ScriptedReply = { kind: "say"; text: string } | { kind: "call"; name: string; args: Record<string, unknown> };

export class ScriptedLLM extends llm.LLM {
  readonly options: Readonly<ScriptedLLMOptions>;

  constructor(options: ScriptedLLMOptions = {}) {
    super();
    this.options = { ...options };
  }

  label(): string {
    return "speaknode.offline.ScriptedLLM";
  }

  override get model(): string {
    return "scripted";
  }

  override get provider(): string {
    return "speaknode";
  }

  chat({ chatCtx, toolCtx, connOptions = DEFAULT_API_CONNECT_OPTIONS }: {
    chatCtx: llm.ChatContext;
    toolCtx?: llm.ToolContextLike;
    connOptions?: APIConnectOptions;
    parallelToolCalls?: boolean;
    toolChoice?: llm.ToolChoice;
    extraKwargs?: Record<string, unknown>;
  }): llm.LLMStream {
    return new ScriptedStream(this, { chatCtx, toolCtx, connOptions });
  }
}

class ScriptedStream extends llm.LLMStream {
  readonly #options: Readonly<ScriptedLLMOptions>;

  constructor(owner: ScriptedLLM, params: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions: APIConnectOptions }) {
    super(owner, params);
    this.#options = owner.options;
  }

  protected async run(): Promise<void> {
    const signal = this.abortController.signal;
    const ttftMs = this.#options.ttftMs ?? 0;
    if (ttftMs > 0) {
      try {
        await sleep(ttftMs, undefined, { signal });
      } catch {
        return; // aborted while "thinking"
      }
    }
    if (signal.aborted) return;
    const tools = Object.values(this.toolCtx?.functionTools ?? {}).map(describeTool);
    const reply = decideScriptedReply(this.chatCtx, tools, this.#options);
    const id = shortuuid("scripted_");
    let spoken: string;
    if (reply.kind === "say") {
      spoken = reply.text;
      // A few chunks, so consumers exercise their streaming path as with a real provider.
      for (const piece of splitIntoChunks(reply.text, 3)) {
        if (signal.aborted) return;
        this.queue.put({ id, delta: { role: "assistant", content: piece } });
      }
    } else {
      spoken = `${reply.name} ${JSON.stringify(reply.args)}`;
      const call = llm.FunctionCall.create({ callId: shortuuid("call_"), name: reply.name, args: JSON.stringify(reply.args) });
      this.queue.put({ id, delta: { role: "assistant", toolCalls: [call] } });
    }
    // Estimates, not real token counts (there is no tokenizer): ~4 tokens per 3 words, the usual
    // rule of thumb for English. They exist so token limits and metrics behave as with a model.
    const promptTokens = estimateTokens(promptText(this.chatCtx, tools));
    const completionTokens = estimateTokens(spoken);
    this.queue.put({ id, usage: { promptTokens, completionTokens, promptCachedTokens: 0, totalTokens: promptTokens + completionTokens } });
  }
}

// ---- Decisions -------------------------------------------------------------------------------

/** The parts of a tool the script reads: its name, description and JSON parameter schema. */
export interface ScriptedTool {
  name: string;
  description: string;
  schema: SchemaNode;
}


function describeTool(tool: llm.FunctionTool): ScriptedTool {
  const schema = tool.parameters === undefined ? {} : (llm.toJsonSchema(tool.parameters, false) as unknown as SchemaNode);
  return { name: tool.name, description: tool.description, schema };
}

/** The script itself: what to say or call next, given the conversation and the agent's tools. */
export function decideScriptedReply(chatCtx: llm.ChatContext, tools: ScriptedTool[], options: ScriptedLLMOptions = {}): ScriptedReply {
  const items = chatCtx.items.filter((item) => item.type !== "agent_config_update");
  const last = items.at(-1);
  if (last?.type === "function_call_output") return say(answerFromResult(last, items));
  const userTexts = items.flatMap((item) => (item.type === "message" && item.role === "user" ? [item.textContent ?? ""] : []));
  const utterance = last?.type === "message" && last.role === "user" ? (last.textContent ?? "") : undefined;
  if (utterance === undefined) return say(options.firstMessage ?? greeting(options));

  const words = tokenize(utterance);
  const text = words.join(" ");
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const endCall = byName.get("end_call");
  if (/\b(good ?bye|bye|that s all|that is all|hang up)\b/.test(text)) return endCall ? callOrAsk(endCall, words) : say(FAREWELL);

  const pressed = keysPressedReply(utterance);
  if (pressed) return say(pressed);
  const sendDtmf = byName.get("send_dtmf");
  // "press 1 2 3", or the keys alone once it has asked for them ("To send dtmf, I need the digits…")
  const keys = sendDtmf ? (keysToPress(utterance) ?? (continuedTool(items, [sendDtmf]) ? keysToPress(`press ${utterance}`) : undefined)) : undefined;
  if (sendDtmf && keys) return { kind: "call", name: sendDtmf.name, args: { digits: keys } };

  const switchLanguage = byName.get("switch_language");
  const language = findLanguage(words);
  if (switchLanguage && language && /\b(speak|switch|change|in|language|talk)\b/.test(text)) {
    // The tool's parameter lists the agent's languages; without one, the bare tag is the best guess.
    const [key, node] = Object.entries(switchLanguage.schema.properties ?? {}).find(([k]) => /lang/i.test(k)) ?? ["language", undefined];
    const allowed = enumOf(node);
    const choice = allowed.length ? allowed.find((value) => baseTag(String(value)) === language) : language;
    if (choice === undefined) return say(`Sorry, I can only speak ${allowed.map((v) => languageName(String(v))).join(" or ")} here.`);
    return { kind: "call", name: switchLanguage.name, args: { ...buildArgs(switchLanguage, words).args, [key]: choice } };
  }

  const transfer = byName.get("transfer_to_agent");
  const toNumber = byName.get("transfer_to_number");
  const transferCue = /\b(transfer|talk to|speak to|speak with|connect me)\b/.exec(text);
  if (transferCue) {
    // Only the words after the cue name the target ("talk to an agent" must ask, not pick "talk");
    // a required free-text argument such as the reason is what the caller said. A person to call
    // is chosen when named (or when there is no agent to hand over to).
    const after = tokenize(text.slice(transferCue.index + transferCue[0].length));
    if (toNumber && (!transfer || !buildArgs(toNumber, after).missing)) return callOrAsk(toNumber, after);
    if (transfer) return callOrAsk(transfer, after, `The caller said: "${utterance}"`);
  }

  const named = bestNamedTool(tools, words);
  if (named) return callOrAsk(named, words);
  const continued = continuedTool(items, tools);
  if (continued) return callOrAsk(continued, [...tokenize(userTexts.at(-2) ?? ""), ...words]);
  if (/\b(hello|hi|hey|good (morning|afternoon|evening))\b/.test(text)) return say(greeting(options));
  return say(fallback(tools, options));
}

const say = (text: string): ScriptedReply => ({ kind: "say", text });

function greeting(options: ScriptedLLMOptions): string {
  return options.agentName ? `Hello! This is ${options.agentName}. How can I help you today?` : "Hello! How can I help you today?";
}

function fallback(tools: ScriptedTool[], options: ScriptedLLMOptions): string {
  const who = options.agentName ? `${options.agentName}'s scripted demo assistant` : "a scripted demo assistant";
  // The first sentence of each description, with the words that trigger the tool.
  const abilities = tools.map((tool) => {
    const first = (tool.description.split(/(?<=\.)\s/)[0] ?? "").replace(/[.\s]+$/, "");
    return `${first.charAt(0).toLowerCase()}${first.slice(1)} (say "${phrase(tool.name)}")`;
  });
  const list = abilities.length ? ` I can ${abilities.join("; ")}.` : " I can greet you and say goodbye.";
  return `Sorry, I'm ${who} that follows simple rules, so I didn't catch that.${list}`;
}

/** Calls the tool when its required arguments are found in the words, else asks for the first missing one. */
function callOrAsk(tool: ScriptedTool, words: string[], freeText?: string): ScriptedReply {
  const built = buildArgs(tool, words, freeText);
  // Nothing is said after end_call, so the goodbye travels in its farewell argument when it has one.
  const farewellKey = tool.name === "end_call" ? Object.keys(tool.schema.properties ?? {}).find((key) => /farewell|goodbye/i.test(key)) : undefined;
  if (farewellKey) built.args[farewellKey] = FAREWELL;
  if (!built.missing) return { kind: "call", name: tool.name, args: built.args };
  const options = enumOf(built.missing.node).map(String);
  const choices = options.length ? ` I can use ${options.map((o) => (looksLikeTag(o) ? languageName(o) : o)).join(", ")}.` : "";
  return say(`To ${phrase(tool.name)}, I need the ${phrase(built.missing.key)}. What is the ${phrase(built.missing.key)}?${choices}`);
}

/** After "To check order, I need the order id…", the next utterance is the missing value. */
function continuedTool(items: llm.ChatItem[], tools: ScriptedTool[]): ScriptedTool | undefined {
  const previous = items.slice(0, -1).findLast((item) => item.type === "message" && item.role === "assistant");
  const said = previous?.type === "message" ? (previous.textContent ?? "") : "";
  return tools.find((tool) => said.startsWith(`To ${phrase(tool.name)}, I need the`));
}

/** The tool the user names: all words of its name ("check order"), or a word only its name has ("order"). */
function bestNamedTool(tools: ScriptedTool[], words: string[]): ScriptedTool | undefined {
  const said = new Set(words.map(stem));
  let best: { tool: ScriptedTool; score: number } | undefined;
  for (const tool of tools) {
    const nameWords = splitName(tool.name).map(stem);
    const others = new Set(tools.filter((t) => t !== tool).flatMap((t) => splitName(t.name).map(stem)));
    const distinctive = splitName(tool.name).filter((w) => w.length >= 3 && !GENERIC.has(w)).map(stem).filter((w) => !others.has(w) && said.has(w));
    const score = (nameWords.every((w) => said.has(w)) ? 10 + nameWords.length : 0) + distinctive.length;
    if (score > 0 && (!best || score > best.score)) best = { tool, score };
  }
  return best?.tool;
}

// ---- Tool results ----------------------------------------------------------------------------

/** One or two sentences from a tool's result: a JSON object's top-level fields, a list's size, or the text. */
function answerFromResult(output: llm.FunctionCallOutput, items: llm.ChatItem[]): string {
  const name = output.name;
  if (output.isError) return `Sorry, I couldn't ${phrase(name)}: the tool failed (${clip(output.output, 160)}).`;
  // System tools whose results are instructions meant for a real model, not words for the caller.
  const call = items.find((item): item is llm.FunctionCall => item.type === "function_call" && item.callId === output.callId);
  const language = call ? parseJson(call.args) : undefined;
  const tag = language !== null && typeof language === "object" && "language" in language ? String(language.language) : "";
  if (name === "end_call") return "Thank you for calling. Goodbye!";
  if (name === "switch_language") return `Okay, let's continue in ${languageName(tag)}.`;
  if (name === "send_dtmf") return "Done, I pressed the keys.";
  if (name === "translate_conversation") return `Sorry, I'm a scripted demo assistant, so I can't translate the conversation into ${languageName(tag)}.`;
  const result = parseJson(output.output);
  if (result === undefined || result === "" || result === null) return `Done: ${phrase(name)} completed.`;
  if (Array.isArray(result)) return `${capitalize(phrase(name))} found ${result.length} result${result.length === 1 ? "" : "s"}${result.length ? `: ${result.slice(0, 3).map(inline).join(", ")}` : ""}.`;
  if (typeof result !== "object") return clip(String(result).split(/(?<=[.!?])\s+/).slice(0, 2).join(" "), 300);
  const entries = Object.entries(result as Record<string, unknown>);
  const idEntry = entries.find(([key, value]) => isIdentifier(key) && isPrimitive(value));
  const subject = idEntry ? (splitName(idEntry[0]).filter((w) => !/^(id|number|no|code)$/.test(w)).join(" ") || lastWord(name)) : lastWord(name);
  const fields = entries
    .filter((entry) => entry !== idEntry && entry[1] !== null)
    .slice(0, 4)
    .map(([key, value]) => `${phrase(key)} ${inline(value)}`);
  const head = idEntry ? `${capitalize(subject)} ${String(idEntry[1])}` : `Here is the ${subject}`;
  return `${head}: ${fields.join(", ") || "no details"}. Is there anything else I can help with?`;
}

function parseJson(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; } // plain-text results stay text
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value !== null && typeof value === "object") return `(${Object.keys(value).map(phrase).join(", ")})`;
  return clip(String(value), 80);
}

const isPrimitive = (value: unknown): boolean => typeof value === "string" || typeof value === "number";

// ---- Phrasing and metrics --------------------------------------------------------------------

const FAREWELL = "Goodbye, and thanks for trying the Speaknode demo!";
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function splitIntoChunks(text: string, count: number): string[] {
  const words = text.split(/(?<=\s)/);
  const size = Math.max(1, Math.ceil(words.length / count));
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(""));
  return chunks;
}

const estimateTokens = (text: string): number => Math.ceil((text.split(/\s+/).filter(Boolean).length * 4) / 3);

function promptText(chatCtx: llm.ChatContext, tools: ScriptedTool[]): string {
  const parts = chatCtx.items.map((item) => {
    if (item.type === "message") return item.textContent ?? "";
    if (item.type === "function_call") return `${item.name} ${item.args}`;
    if (item.type === "function_call_output") return item.output;
    return "";
  });
  const toolText = tools.map((t) => `${t.name} ${t.description} ${JSON.stringify(t.schema)}`);
  return [...parts, ...toolText].join(" ");
}
