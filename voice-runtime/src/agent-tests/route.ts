// POST /v1/agent-tests/run on the runtime's HTTP server: the Worker's test-run consumer sends one
// test case with the agent version's configuration (built exactly as a session's) and the
// hand-off targets' configurations; the runtime runs the case once (run-case.ts) with the
// sessions' provider registry and HTTP guard and answers its TestCaseOutcome. Only the Worker
// calls it, with a short-lived job token of scope "agent-tests" bound to the agent
// (@speaknode/tokens). Refusals are problem+json: 401 token, 403 another agent's token, 400/413
// body. A case that cannot run is still a 200: an outcome with status "error" and the reason.
// Logs carry ids, status and counts only — never the case's lines or the conversation.
import type { IncomingMessage, ServerResponse } from "node:http";
import { agentTestRunPath, RunTestCaseRequest } from "@speaknode/contracts";
import { jobClaims, jobRoute, Refusal } from "../http/job-route.ts";
import { readJsonBody } from "../http/json-body.ts";
import { errorFields, log } from "../log.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import type { HttpGuard } from "../tools/http-guard.ts";
import { runTestCase } from "./run-case.ts";

/** A configuration with its hand-off targets' (up to 21) and a 50-turn case fit. */
const maxBodyBytes = 8 * 1024 * 1024;
/** Cases run at once on this runtime; more wait their turn (the calls it serves come first). */
const defaultConcurrency = 2;

export interface AgentTestsRouteOptions {
  /** The runtime token secret (job tokens are signed with it). */
  tokenSecret: string;
  providers: ProviderRegistry;
  guard: HttpGuard;
  maxResponseChars: number;
  concurrency?: number;
  /** Per case (run-case.ts default: 5 minutes). */
  caseTimeoutMs?: number;
}

/** At most `limit` at once; the rest wait in order. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** The test-case route; `handleRequest` answers it and returns false for any other request. */
export function createAgentTestsRoute(options: AgentTestsRouteOptions): { handleRequest(req: IncomingMessage, res: ServerResponse): boolean } {
  if (options.tokenSecret.length < 32) throw new Error("the agent tests route needs the runtime token secret");
  const limit = limiter(options.concurrency ?? defaultConcurrency);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const claims = await jobClaims(req, options.tokenSecret, "agent-tests", "agent tests");
    const read = await readJsonBody(req, RunTestCaseRequest, maxBodyBytes);
    if (!read.ok) throw new Refusal(read.status, read.code, read.message);
    const request = read.data;
    if (request.config.agentId !== claims.agentId) throw new Refusal(403, "forbidden", "The token is for another agent.");
    const fields = { spaceId: claims.spaceId, agentId: claims.agentId, caseId: request.testCase.id, mode: request.mode, iteration: request.iteration };
    const outcome = await limit(() =>
      runTestCase(request, {
        registry: options.providers,
        guard: options.guard,
        maxResponseChars: options.maxResponseChars,
        ...(options.caseTimeoutMs !== undefined ? { caseTimeoutMs: options.caseTimeoutMs } : {}),
      }),
    );
    log.info("test case run", { ...fields, status: outcome.status, failures: outcome.failures.length, durationMs: outcome.durationMs });
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(outcome));
  }

  return jobRoute(agentTestRunPath, handle, { log: "test case route failed", detail: "The test case could not be run." });
}
