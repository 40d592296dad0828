// The runtime's job routes (the Worker's calls outside a call: voice previews, greeting warm-up,
// post-call analysis, agent test cases), built once for either transport: the local transport
// serves them on its media server's port; under LiveKit, where calls arrive through LiveKit and
// there is no media socket, `startJobHttpServer` serves them alone with `GET /healthz`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createAgentTestsRoute } from "../agent-tests/route.ts";
import type { RuntimeSettings } from "../config.ts";
import { openGreetingCache } from "../greeting/greeting-cache.ts";
import { createGreetingWarm } from "../greeting/warm-route.ts";
import { createAnalysisRoute } from "../llm-jobs/analysis-route.ts";
import { errorFields, log } from "../log.ts";
import { createTtsPreview } from "../preview/tts-preview.ts";
import type { RunnerDeps } from "../session/runner.ts";
import { listenWs } from "../transport/local/server.ts";
import { problem } from "./job-route.ts";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Every job route with the sessions' provider registry; the handler returns false for any other request. */
export function createJobRoutes(settings: Pick<RuntimeSettings, "tokenSecret" | "dataDir">, deps: Pick<RunnerDeps, "providers" | "guard" | "maxResponseChars">): RequestHandler {
  const { tokenSecret } = settings;
  // Voice previews for the dashboard (POST /v1/tts/preview).
  const preview = createTtsPreview({ tokenSecret, providers: deps.providers });
  // Greetings synthesized after a publish (POST /v1/greetings/warm) into the on-disk cache sessions
  // read: LiveKit's job processes open the same directory under the data dir.
  const greetings = createGreetingWarm({ tokenSecret, providers: deps.providers, cache: openGreetingCache(settings) });
  // Post-call analysis of finished sessions (POST /v1/analysis).
  const analysis = createAnalysisRoute({ tokenSecret, providers: deps.providers });
  // Agent test cases (POST /v1/agent-tests/run), built and run as sessions are, tools mocked.
  const agentTests = createAgentTestsRoute({ tokenSecret, providers: deps.providers, guard: deps.guard, maxResponseChars: deps.maxResponseChars });
  return (req, res) => preview.handleRequest(req, res) || greetings.handleRequest(req, res) || analysis.handleRequest(req, res) || agentTests.handleRequest(req, res);
}

export interface JobHttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  onRequest: RequestHandler;
  /** Extra fields of `GET /healthz`'s JSON, next to `ok: true`. */
  health?: () => Record<string, unknown>;
}

export interface JobHttpServer {
  /** http://host:port */
  url: string;
  port: number;
  httpServer: Server;
  close(): Promise<void>;
}

/** Serves the job routes and `GET /healthz` (what a container's health check asks) on host:port. */
export async function startJobHttpServer(options: JobHttpServerOptions): Promise<JobHttpServer> {
  const httpServer = createServer((req, res) => {
    try {
      if (options.onRequest(req, res)) return;
    } catch (err) {
      log.error("runtime http: request handler failed", errorFields(err));
      return problem(res, 500, "internal", "The request could not be handled.");
    }
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ ok: true, ...options.health?.() }));
      return;
    }
    problem(res, 404, "not_found", "No such route on the voice runtime.");
  });
  const { port } = await listenWs(httpServer, options.port, options.host, "");
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  log.info("runtime http: listening", { url });
  return {
    url,
    port,
    httpServer,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
