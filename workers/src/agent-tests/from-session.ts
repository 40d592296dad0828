// A real session turned into a scripted test case, ready to edit: each thing the caller said is a
// scripted line; each webhook tool call the agent made in reply becomes a `tool_called` expectation
// with the arguments it was called with and an `exact` mock answering what the tool answered then
// (its error, when it failed), so the replay never calls the real API; a hand-off, a transfer or
// DTMF becomes that turn's expectation, and an ended call the conversation's.
import { asc, eq } from "drizzle-orm";
import { CreateTestCaseBody, SystemToolName, type AgentConfig, type ScriptedTurn, type TestExpectation, type ToolMock } from "@speaknode/contracts";
import { sessionToolCalls, sessionTurns, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import type { SessionRow } from "../runtime/session.ts";

type ToolCallRow = typeof sessionToolCalls.$inferSelect;

const maxTurns = 50;
const maxTurnExpectations = 20;
const maxMocks = 50;

function systemExpectation(call: ToolCallRow): TestExpectation | "ended" | null {
  const req = call.request;
  const str = (k: string) => (typeof req[k] === "string" ? (req[k] as string).trim() : undefined);
  switch (call.name) {
    case "end_call":
      return "ended";
    case "transfer_to_agent":
      return { type: "handoff" };
    case "transfer_to_number": {
      const destination = str("destination");
      return destination && destination.length <= 100 ? { type: "transfer", destination } : { type: "transfer" };
    }
    case "send_dtmf": {
      const digits = str("digits");
      return digits && /^[0-9*#A-Da-d]{1,32}$/.test(digits) ? { type: "dtmf_sent", digits } : { type: "dtmf_sent" };
    }
    default:
      return { type: "tool_called", tool: call.name };
  }
}

function mockOf(call: ToolCallRow): ToolMock {
  if (call.status !== "ok") return { tool: call.name, match: "exact", arguments: call.request, error: (call.error ?? `the tool ${call.status === "timeout" ? "timed out" : "failed"}`).slice(0, 1000) };
  return { tool: call.name, match: "exact", arguments: call.request, output: call.response ?? null };
}

const when = (call: ToolCallRow) => (call.startedAt ?? call.createdAt).getTime();

export async function testCaseFromSession(db: Database, session: SessionRow, config: AgentConfig, webhookCodes: Set<string>, opts: { name?: string | undefined; required: boolean }): Promise<CreateTestCaseBody> {
  const [turns, calls] = await Promise.all([
    db.select().from(sessionTurns).where(eq(sessionTurns.sessionId, session.id)).orderBy(asc(sessionTurns.startedAt)),
    db.select().from(sessionToolCalls).where(eq(sessionToolCalls.sessionId, session.id)).orderBy(asc(sessionToolCalls.createdAt)),
  ]);
  const userTurns = turns.filter((t) => t.role === "user" && t.text.trim() !== "").slice(0, maxTurns);
  if (userTurns.length === 0) throw new ApiError("unprocessable_content", "the session has no caller turns to replay");

  const scripted: ScriptedTurn[] = userTurns.map((t) => ({ user: t.text.trim().slice(0, 2000), expect: [] }));
  const whole: TestExpectation[] = [];
  const mocks: ToolMock[] = [];
  const seenMocks = new Set<string>();
  for (const call of [...calls].sort((a, b) => when(a) - when(b))) {
    // The line the agent was answering: the last one the caller began before the call.
    let index = 0;
    userTurns.forEach((t, i) => {
      if (t.startedAt.getTime() <= when(call)) index = i;
    });
    const turn = scripted[index];
    if (!turn) continue;
    let expectation: TestExpectation | "ended" | null;
    if (webhookCodes.has(call.name)) {
      expectation = { type: "tool_called", tool: call.name, arguments: call.request };
      const mock = mockOf(call);
      const key = JSON.stringify([mock.tool, mock.arguments]);
      if (!seenMocks.has(key) && mocks.length < maxMocks) {
        seenMocks.add(key);
        mocks.push(mock);
      }
    } else if (SystemToolName.safeParse(call.name).success) {
      expectation = systemExpectation(call);
    } else {
      // A tool the agent no longer has: nothing to expect of it now.
      expectation = null;
    }
    if (expectation === "ended") {
      if (!whole.some((e) => e.type === "call_ended")) whole.push({ type: "call_ended" });
    } else if (expectation && turn.expect.length < maxTurnExpectations) {
      turn.expect.push(expectation);
    }
  }

  const declared = config.variables.properties;
  const variables = Object.fromEntries(Object.entries(session.variables).filter(([name]) => Object.hasOwn(declared, name)));
  const language = config.locales.find((l) => l.language.toLowerCase() === session.language.toLowerCase())?.language;
  const stamp = session.createdAt.toISOString().slice(0, 16).replace("T", " ");
  return CreateTestCaseBody.parse({
    name: opts.name ?? `From session ${stamp}`,
    description: `Saved from session ${session.id}: the caller's lines, with the tool calls the agent made as expectations and their answers as mocks.`,
    required: opts.required,
    caller: { kind: "scripted", turns: scripted },
    variables,
    ...(language ? { language } : {}),
    channel: session.channel === "phone" ? "phone" : "web",
    toolMocks: mocks,
    expect: whole,
  });
}
