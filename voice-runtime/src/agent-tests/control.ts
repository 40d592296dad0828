// The system tools of a test case act on a simulated call: ending it, handing over to another
// agent, switching language, pressing keys and transferring to a number are recorded in the
// conversation log instead of reaching a phone line or the platform, so the expectations can
// check them. The agent still says what a real call would (a farewell, a transfer announcement).
import { llm, type voice } from "@livekit/agents";
import type { SessionControl } from "../session/system-tools.ts";
import type { ToolCallRecord } from "../tools/types.ts";
import type { ConversationLog, TestToolCall } from "./log.ts";

export interface ControlHost {
  log: ConversationLog;
  /** The session the current agent runs in. */
  session(): voice.AgentSession;
  /** Builds the agent a hand-off goes to (and records the hand-off). */
  handoffTo(agentId: string, reason: string): Promise<voice.Agent>;
  switchLanguage(language: string): Promise<void>;
  /** Keys and number transfers exist only on a phone call. */
  phone: boolean;
}

/** A call record as a test's tool call; `mocked` when a test's mock answered it. */
export function testToolCall(record: ToolCallRecord, mocked: boolean): TestToolCall {
  return {
    name: record.name,
    arguments: record.request as TestToolCall["arguments"],
    ...(record.response !== undefined ? { output: record.response as TestToolCall["output"] } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    mocked,
  };
}

function sayQuietly(session: voice.AgentSession, text: string, allowInterruptions: boolean): void {
  try {
    session.say(text, { allowInterruptions, addToChatCtx: true });
  } catch {
    // The session may be closing: what is recorded stands.
  }
}

export function recordingControl(host: ControlHost): SessionControl {
  const { log } = host;
  return {
    endCall(reason, farewell) {
      if (log.ended) return;
      log.recordEnded(reason);
      if (farewell) sayQuietly(host.session(), farewell, false);
    },
    prepareTransfer: (agentId, reason) => host.handoffTo(agentId, reason),
    switchLanguage: (language) => host.switchLanguage(language),
    async sendDtmf(digits) {
      if (!host.phone) throw new llm.ToolError("there is no phone line to press keys on");
      log.recordDtmf(digits);
    },
    async transferToNumber(destination) {
      if (!host.phone) throw new llm.ToolError("there is no phone call to transfer");
      if (destination.announcement) sayQuietly(host.session(), destination.announcement, false);
      log.recordTransfer(destination.name);
    },
    onToolCall: (record) => log.recordToolCall(testToolCall(record, false)),
  };
}
