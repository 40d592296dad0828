// Text mode: the agent in an AgentSession with no audio at all (the library's test harness,
// `session.run({ userInput })`), greeted as the runner greets, then each of the caller's lines in
// turn, each waited for until the agent is idle again (a farewell, a hand-off's greeting), until
// the caller is done, the call ended or the deadline passed.
import { voice } from "@livekit/agents";
import type { RuntimeConfig } from "@speaknode/contracts";
import { localeOf } from "../session/agent-builder.ts";
import type { JobUsage } from "../llm-jobs/structured.ts";
import type { CallerScript, ConversationLog } from "./log.ts";

export interface TextConversationOptions {
  agent: voice.Agent;
  config: RuntimeConfig;
  caller: CallerScript;
  log: ConversationLog;
  /** Epoch ms after which the case stops (an error). */
  deadlineMs: number;
  /** The agent's LLM tokens are added here. */
  usage: JobUsage;
  /** Waits for hand-offs a tool result started; true when there were some. */
  settled?: () => Promise<boolean>;
}

/** The case ran past its deadline. */
export class CaseDeadlineError extends Error {
  override name = "CaseDeadlineError";
}

/** A provider failed the session (the LLM unreachable…): the case is an error, not a failure. */
export class SessionFailedError extends Error {
  override name = "SessionFailedError";
}

async function before<T>(deadlineMs: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaseDeadlineError(`the case ran out of time ${what}`)), Math.max(0, deadlineMs - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runTextConversation(o: TextConversationOptions): Promise<void> {
  const { log, caller, deadlineMs } = o;
  const session = new voice.AgentSession({ userAwayTimeout: null });
  let failure: Error | undefined;
  session.on(voice.AgentSessionEventTypes.Error, (ev) => {
    const error = ev.error as { recoverable?: boolean; error?: unknown };
    if (error.recoverable === false) failure ??= new SessionFailedError(error.error instanceof Error ? error.error.message : "a provider failed");
  });
  session.on(voice.AgentSessionEventTypes.MetricsCollected, (ev) => {
    if (ev.metrics.type !== "llm_metrics") return;
    o.usage.prompt += ev.metrics.promptTokens;
    o.usage.completion += ev.metrics.completionTokens;
  });
  log.attach(session);
  const check = () => {
    if (failure) throw failure;
  };
  try {
    await before(deadlineMs, session.start({ agent: o.agent }), "while the agent started");
    const locale = localeOf(o.config, o.config.language);
    if (locale.firstMessage) {
      const greeting = session.say(locale.firstMessage, { allowInterruptions: o.config.agent.vad.allowInterruptionsDuringFirstMessage });
      await before(deadlineMs, greeting.waitForPlayout(), "while the agent greeted");
    }
    while (!log.ended) {
      check();
      const line = await before(deadlineMs, caller.nextLine(log.lastAgentReply()), "waiting for the caller's next line");
      if (line === null) break;
      log.beginUserTurn(line);
      await before(deadlineMs, session.run({ userInput: line }).wait(), `in the agent's reply to turn ${log.userTurns}`);
      // What the reply set going after it finished: a farewell, a hand-off and its greeting.
      const turn = `in the agent's reply to turn ${log.userTurns}`;
      await before(deadlineMs, session.waitForIdle(), turn);
      if (o.settled && (await before(deadlineMs, o.settled(), turn))) await before(deadlineMs, session.waitForIdle(), turn);
      check();
    }
  } finally {
    // Not awaited: closing commits a last (empty) user turn after the library's fixed 500 ms,
    // which would double a short case's time and tells the test nothing.
    void session.close().catch(() => undefined);
  }
}
