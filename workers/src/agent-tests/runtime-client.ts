// Running one case once on the voice runtime: POST /v1/agent-tests/run with a 10-minute
// agent-tests job token bound to the agent. The runtime not answering at all (connection refused,
// 502-504, a timeout) is `RuntimeUnreachable`: the run stops there and says so. Any other refusal
// is that case's own `error` result, with the runtime's problem detail as its reason.
import { agentTestRunPath, TestCaseOutcome, type RunTestCaseRequest } from "@speaknode/contracts";
import { signRuntimeJobToken } from "@speaknode/tokens";
import type { Config } from "../config.ts";

/** One case on the runtime; tests inject their own. */
export type RunCase = (request: RunTestCaseRequest) => Promise<TestCaseOutcome>;

export class RuntimeUnreachable extends Error {
  override name = "RuntimeUnreachable";
}

/** A case may take minutes in audio mode (spoken turns, a simulated caller): the token lives 10. */
const tokenTtlS = 600;
const requestTimeoutMs = 9 * 60_000;

export interface RuntimeClientOptions {
  httpUrl: string;
  tokenSecret: string;
  fetchImpl?: typeof fetch;
}

export function errorOutcome(reason: string): TestCaseOutcome {
  return { status: "error", reason: reason.slice(0, 1000), turns: [], failures: [], judged: [], durationMs: 0, usage: { prompt: 0, completion: 0 } };
}

async function problemDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof body.detail === "string") return body.detail;
    if (typeof body.title === "string") return body.title;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${res.status}`;
}

export function runtimeCaseRunner(o: RuntimeClientOptions): RunCase {
  const doFetch = o.fetchImpl ?? fetch;
  const url = `${o.httpUrl}${agentTestRunPath}`;
  return async (request) => {
    const token = await signRuntimeJobToken(o.tokenSecret, "agent-tests", { spaceId: request.config.spaceId, agentId: request.config.agentId, ttlS: tokenTtlS });
    let res: Response;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (err) {
      throw new RuntimeUnreachable(`the voice runtime at ${o.httpUrl} is unreachable (${err instanceof Error ? err.message : String(err)}); is it running?`);
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      throw new RuntimeUnreachable(`the voice runtime at ${o.httpUrl} is unavailable (${await problemDetail(res)})`);
    }
    if (res.status === 404) {
      // An older runtime without the route: no case can run on it.
      throw new RuntimeUnreachable(`the voice runtime at ${o.httpUrl} does not run agent tests (404 on ${agentTestRunPath}): update it`);
    }
    if (!res.ok) return errorOutcome(`the runtime refused the case: ${await problemDetail(res)}`);
    const parsed = TestCaseOutcome.safeParse(await res.json().catch(() => null));
    return parsed.success ? parsed.data : errorOutcome("the runtime's answer is not a test outcome");
  };
}

/** The runtime the Worker's configuration names (RUNTIME_HTTP_URL). */
export function caseRunnerFor(config: Config): RunCase {
  return runtimeCaseRunner({ httpUrl: config.runtime.httpUrl, tokenSecret: config.runtime.tokenSecret });
}
