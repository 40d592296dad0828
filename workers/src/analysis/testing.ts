// Test helpers of the post-call analysis (workerd only): an agent that asks for an analysis, a
// session of it ended through its real SessionRoom with the room's analysis queue recorded, and a
// fake runtime analyser.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { AnalysisRequest, AnalysisResponse } from "@speaknode/contracts";
import { call, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { dispatched, postEvent } from "../runtime/testing.ts";
import type { SessionRoom } from "../billing/session-room.ts";
import { analysisQueueBinding } from "./protocol.ts";
import type { AnalysisCallResult, AnalyseSession } from "./runtime-client.ts";

const { SESSION_ROOM } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> };
export const roomOf = (sessionId: string) => SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));

export const analysisSettings = {
  summaryPrompt: "Say what the caller wanted.",
  structuredData: { type: "object", properties: { topic: { type: "string", enum: ["order", "refund"] } }, required: ["topic"] },
  success: { kind: "score", rubric: "The caller learnt where the order is.", scoreMax: 10, passScore: 7 },
};

/** A new agent of the world's space; by default on a real LLM and asking for an analysis. */
export async function analysisAgent(world: World, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await call("POST", `/v1/spaces/${world.spaceId}/agents`, {
    token: world.owner.token,
    json: agentBody({ llm: { provider: "openai-compatible", model: "gpt-4o-mini" }, analysis: analysisSettings, ...overrides }),
  });
  if (res.status !== 201) throw new Error(`agent not created: ${res.status} ${res.text}`);
  return String(res.body["id"]);
}

const t0 = Date.parse("2026-11-25T10:00:00Z");
const at = (ms: number) => new Date(t0 + ms).toISOString();
export const conversation = [
  { type: "turn", turnId: "t1", role: "agent", text: "Hi, how can I help?", startedAt: at(0), endedAt: at(1000) },
  { type: "turn", turnId: "t2", role: "user", text: "Where is my order 42?", startedAt: at(1500), endedAt: at(3000) },
  { type: "turn", turnId: "t3", role: "agent", text: "It ships tomorrow.", startedAt: at(3600), endedAt: at(5000) },
];
export const completedEvent = { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 5000, endReason: "caller_hung_up" };

export interface EndedSession {
  sessionId: string;
  /** Session ids the room put on the analysis queue. */
  queued: string[];
}

/** A session of the agent with these turns, ended by the runtime's completion, the room's analysis queue recorded. */
export async function endedSession(world: World, agentId: string, turns: Record<string, unknown>[] = conversation): Promise<EndedSession> {
  const { sessionId } = await dispatched({ ...world, agentId });
  const queued: string[] = [];
  await runInDurableObject(roomOf(sessionId), (instance) => {
    const bindings = (instance as unknown as { env: Record<string, unknown> }).env;
    const record = (body: unknown) => queued.push((body as { sessionId: string }).sessionId);
    bindings[analysisQueueBinding] = {
      send: async (body: unknown) => record(body),
      sendBatch: async (messages: Iterable<{ body: unknown }>) => {
        for (const m of messages) record(m.body);
      },
    };
  });
  await expectOk(postEvent(sessionId, "ready", { type: "agent.ready" }));
  for (const [i, turn] of turns.entries()) await expectOk(postEvent(sessionId, `turn-${i}`, turn));
  await expectOk(postEvent(sessionId, "done", completedEvent));
  return { sessionId, queued };
}

async function expectOk(res: Promise<{ status: number; text: string }>): Promise<void> {
  const r = await res;
  if (r.status !== 200) throw new Error(`runtime event refused: ${r.status} ${r.text}`);
}

export const goodResponse: AnalysisResponse = {
  output: { summary: "The caller asked where order 42 is.", data: { topic: "order" }, success: { passed: true, score: 8, reason: "It said when it ships." } },
  model: "openai-compatible/gpt-4o-mini",
  attempts: 1,
  usage: { prompt: 100, completion: 20 },
};

/** A fake runtime: answers in order (the last answer repeats), recording each request. */
export function fakeAnalyser(...answers: AnalysisCallResult[]): { analyse: AnalyseSession; requests: AnalysisRequest[] } {
  const requests: AnalysisRequest[] = [];
  return {
    requests,
    analyse: async (request) => {
      requests.push(request);
      return answers[Math.min(requests.length - 1, answers.length - 1)] ?? { ok: true, response: goodResponse };
    },
  };
}
