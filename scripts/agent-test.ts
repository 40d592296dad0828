// `npm run agent:test -- agt_… [--version N|draft] [--mode text|audio] [--repeat N] [--case atc_…]`:
// runs an agent's test cases through the API (POST /v1/agents/{id}/test-runs, then GET the run until
// it finishes), prints each case's result and exits 0 only when nothing failed or errored, so it can
// gate a deploy in anyone's CI. SPEAKNODE_URL and SPEAKNODE_TOKEN (an API key or an access token)
// say where and as whom; on a local `npm run dev` without a token it signs in as the dev Owner the way
// scripts/token.ts does. Every problem ends in one line on stderr, never a stack trace.
import { fileURLToPath } from "node:url";
import type { TestRun, TestRunDetail } from "@speaknode/contracts";
import { devPassword } from "@speaknode/db";
import { exitCodeFor, formatRun, parseAgentTestArgs, runBody, usage, type AgentTestOptions } from "./agent-test-report.ts";

/** A problem with the setup or the request (not a test failure): the CLI prints it and exits 2. */
export class CliProblem extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One line of a problem+json answer: its detail and field errors, or the start of the body. */
async function problemLine(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string; errors?: { field: string; message: string }[] };
    const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
    return [p.detail ?? p.title ?? `HTTP ${res.status}`, fields].filter(Boolean).join(" — ");
  } catch {
    return `HTTP ${res.status} ${text.slice(0, 200)}`;
  }
}

export interface ApiTarget {
  base: string;
  token: string;
}

/** The API's answer; a refused connection becomes the one line naming `npm run dev`. */
async function call(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, init);
  } catch {
    throw new CliProblem(`Nothing answers at ${base}: start the platform with \`npm run dev\` (or set SPEAKNODE_URL to where it runs).`);
  }
}

/** SPEAKNODE_TOKEN, or on a local dev stack a token of the dev Owner from its built-in issuer. */
export async function resolveToken(base: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const given = env["SPEAKNODE_TOKEN"]?.trim();
  if (given) return given;
  const res = await call(base, "/dev/oidc/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: "speaknode-cli", username: "owner@speaknode.local", password: devPassword, scope: "openid email profile" }),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new CliProblem(`Set SPEAKNODE_TOKEN to an API key of the agent's space (or an access token): ${base} has no development sign-in.`);
  return body.access_token;
}

/** Creates the run; refusals (unknown agent, no cases, a bad version) become one line. */
export async function startRun(t: ApiTarget, o: AgentTestOptions): Promise<TestRun> {
  const res = await call(t.base, `/v1/agents/${o.agentId}/test-runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
    body: JSON.stringify(runBody(o)),
  });
  if (res.status === 401) throw new CliProblem(`${t.base} refused the token (401): set SPEAKNODE_TOKEN to a valid API key or access token.`);
  if (res.status !== 202 && res.status !== 201) throw new CliProblem(`Could not start the run (${res.status}): ${await problemLine(res)}`);
  return (await res.json()) as TestRun;
}

/** Polls the run until it has finished (passed, failed or error), reporting progress as it moves. */
export async function waitForRun(t: ApiTarget, agentId: string, runId: string, timeoutS: number, progress: (line: string) => void = () => {}): Promise<TestRunDetail> {
  const deadline = Date.now() + timeoutS * 1000;
  let seen = "";
  for (let delayMs = 250; ; delayMs = Math.min(2000, delayMs * 1.5)) {
    const res = await call(t.base, `/v1/agents/${agentId}/test-runs/${runId}`, { headers: { authorization: `Bearer ${t.token}` } });
    if (!res.ok) throw new CliProblem(`Could not read the run ${runId} (${res.status}): ${await problemLine(res)}`);
    const run = (await res.json()) as TestRunDetail;
    if (run.status === "passed" || run.status === "failed" || run.status === "error") return run;
    const done = run.passed + run.failed + run.skipped + run.errors;
    const now = `${run.status}: ${done}/${run.total} done`;
    if (now !== seen) progress(now);
    seen = now;
    if (Date.now() > deadline) throw new CliProblem(`The run ${runId} has not finished after ${timeoutS} s (${now}); it goes on: GET /v1/agents/${agentId}/test-runs/${runId}`);
    await sleep(delayMs);
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseAgentTestArgs(argv);
  if (!parsed.ok) {
    if (parsed.help) {
      console.log(usage);
      return 0;
    }
    console.error(`${parsed.message}\n\n${usage}`);
    return 2;
  }
  const o = parsed.options;
  const base = (env["SPEAKNODE_URL"] ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  try {
    const target = { base, token: await resolveToken(base, env) };
    const run = await startRun(target, o);
    console.log(`run ${run.id}: ${run.total} result${run.total === 1 ? "" : "s"} to come (${run.mode} mode, ${run.agentVersion !== null ? `version ${run.agentVersion}` : "draft"})`);
    const detail = await waitForRun(target, o.agentId, run.id, o.timeoutS, (line) => console.log(`  ${line}`));
    for (const line of formatRun(detail, { verbose: o.verbose })) console.log(line);
    return exitCodeFor(detail);
  } catch (err) {
    if (err instanceof CliProblem) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(await main(process.argv.slice(2)));
