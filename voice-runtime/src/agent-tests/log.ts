// What happened in a test case's conversation, turn by turn: the caller's lines, the agent's
// replies, the tools it called (mocked webhook tools and the system tools acting on the simulated
// call), hand-offs, keys pressed, transfers and the end of the call. Text and audio mode both fill
// it; the expectations are evaluated on it afterwards.
import { voice } from "@livekit/agents";
import type { TestToolCall as TestToolCallSchema, TestTurn } from "@speaknode/contracts";
import type { z } from "zod";

export type TestToolCall = z.infer<typeof TestToolCallSchema>;

/** What the agent did between one caller line and the next (segment 0: before the first line). */
export interface AgentReply {
  /** The agent's messages, in order. */
  texts: string[];
  toolCalls: TestToolCall[];
  /** Agents handed to, by name. */
  handoffs: string[];
  /** The same agents, by id (when known). */
  handoffIds: string[];
  dtmf: string[];
  /** Phone transfers, by destination name. */
  transfers: string[];
  /** Why the call ended in this reply, if it did. */
  ended: string | null;
  /** When the agent first said or did something, ms from the start of the case. */
  atMs: number | null;
}

interface Segment {
  /** The caller's line (null for segment 0). */
  user: { text: string; atMs: number; heard: boolean } | null;
  reply: AgentReply;
  /** Calls reported by the mocks and the control, not yet matched with a session event. */
  unmatched: TestToolCall[];
}

const emptyReply = (): AgentReply => ({ texts: [], toolCalls: [], handoffs: [], handoffIds: [], dtmf: [], transfers: [], ended: null, atMs: null });

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A tool's output as the LLM got it: JSON when it parses, the text otherwise. */
function parsedOutput(output: string): unknown {
  try {
    return JSON.parse(output) as unknown;
  } catch {
    return output;
  }
}

export class ConversationLog {
  readonly #startedAtMs: number;
  readonly #segments: Segment[] = [{ user: null, reply: emptyReply(), unmatched: [] }];
  #ended = false;

  constructor(startedAtMs: number = Date.now()) {
    this.#startedAtMs = startedAtMs;
  }

  #now(): number {
    return Math.max(0, Math.round(Date.now() - this.#startedAtMs));
  }

  #current(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  #touch(): AgentReply {
    const reply = this.#current().reply;
    reply.atMs ??= this.#now();
    return reply;
  }

  /** Subscribes to the session's events: user/agent messages committed, tool executions, hand-offs. */
  attach(session: voice.AgentSession): void {
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      const item = ev.item;
      if (item.type !== "message") return;
      const text = item.textContent?.trim() ?? "";
      if (text === "") return;
      if (item.role === "assistant") {
        // A reply cut off by the caller's next line is committed after that line began (its user
        // message not heard yet): it belongs to the previous turn's reply.
        const cut = item.interrupted && this.#segments.length > 1 && this.#current().user?.heard === false;
        if (!cut) return this.recordAgentText(text);
        const previous = this.#segments[this.#segments.length - 2]!.reply;
        previous.atMs ??= this.#now();
        previous.texts.push(text);
      } else if (item.role === "user") this.#heard(text);
    });
    session.on(voice.AgentSessionEventTypes.FunctionToolsExecuted, (ev) => {
      for (const call of ev.functionCalls) {
        const out = ev.functionCallOutputs.find((o) => o.callId === call.callId);
        let args: Record<string, unknown> = {};
        try {
          const parsed = JSON.parse(call.args || "{}") as unknown;
          if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
        } catch {
          // Arguments the model garbled: the call is still worth showing.
        }
        this.#seen({
          name: call.name,
          arguments: args as TestToolCall["arguments"],
          ...(out && !out.isError && out.output !== "" ? { output: parsedOutput(out.output) as TestToolCall["output"] } : {}),
          ...(out?.isError ? { error: out.output } : {}),
          mocked: false,
        });
      }
    });
  }

  /** The user message the session committed: in audio mode, what the agent heard replaces the script's line. */
  #heard(text: string): void {
    const user = this.#current().user;
    if (!user) return;
    user.text = user.heard ? `${user.text} ${text}` : text;
    user.heard = true;
  }

  /** A call seen in the session's events: already reported by a mock or the control, or new. */
  #seen(call: TestToolCall): void {
    const segment = this.#current();
    // The reported arguments may leave out empty ones the model sent: same name is enough.
    let i = segment.unmatched.findIndex((c) => c.name === call.name && sameJson(c.arguments, call.arguments));
    if (i < 0) i = segment.unmatched.findIndex((c) => c.name === call.name);
    if (i >= 0) {
      segment.unmatched.splice(i, 1);
      return;
    }
    this.#touch().toolCalls.push(call);
  }

  /** Before feeding the caller's line: starts user turn N (1-based, returned). Audio mode replaces the
   *  text by what the agent heard once the user message is committed. */
  beginUserTurn(line: string): number {
    this.#segments.push({ user: { text: line, atMs: this.#now(), heard: false }, reply: emptyReply(), unmatched: [] });
    return this.#segments.length - 1;
  }

  /** A message the agent said (attach() reports the session's; tests may add their own). */
  recordAgentText(text: string): void {
    this.#touch().texts.push(text);
  }

  /** The control and the mocks report here (tool calls are also seen from session events; no duplicates). */
  recordToolCall(call: TestToolCall): void {
    this.#touch().toolCalls.push(call);
    this.#current().unmatched.push(call);
  }

  recordHandoff(agentName: string, agentId?: string): void {
    const reply = this.#touch();
    reply.handoffs.push(agentName);
    if (agentId !== undefined) reply.handoffIds.push(agentId);
  }

  recordDtmf(digits: string): void {
    this.#touch().dtmf.push(digits);
  }

  recordTransfer(destination: string): void {
    this.#touch().transfers.push(destination);
    this.recordEnded("transferred");
  }

  recordEnded(reason: string): void {
    const reply = this.#touch();
    reply.ended ??= reason;
    this.#ended = true;
  }

  /** end_call or a transfer to a number happened: the caller says nothing more. */
  get ended(): boolean {
    return this.#ended;
  }

  /** How many caller lines were fed. */
  get userTurns(): number {
    return this.#segments.length - 1;
  }

  /** The agent's text since the last user turn began (joined), or null. */
  lastAgentReply(): string | null {
    const texts = this.#current().reply.texts;
    return texts.length === 0 ? null : texts.join(" ");
  }

  /** What the agent did in reply to caller line `turn` (1-based); 0 is before the first line. */
  reply(turn: number): AgentReply | undefined {
    return this.#segments[turn]?.reply;
  }

  /** Every reply, the greeting (segment 0) first. */
  replies(): AgentReply[] {
    return this.#segments.map((s) => s.reply);
  }

  turns(): TestTurn[] {
    const out: TestTurn[] = [];
    for (const { user, reply } of this.#segments) {
      if (user) out.push({ role: "user", text: user.text, toolCalls: [], atMs: user.atMs });
      if (reply.atMs === null) continue;
      const turn: TestTurn = { role: "agent", text: reply.texts.join(" "), toolCalls: reply.toolCalls.map((c) => ({ ...c })), atMs: reply.atMs };
      if (reply.handoffs.length > 0) turn.handoff = reply.handoffs.join(", ");
      out.push(turn);
    }
    return out;
  }
}

/** Who speaks to the agent: the next line given the agent's last reply, or null when done. */
export interface CallerScript {
  nextLine(lastAgentReply: string | null): Promise<string | null>;
}
