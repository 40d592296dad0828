// What the runtime's job routes (the Worker's calls outside a call: a test case, an analysis)
// share: refusals thrown as `Refusal` and answered as problem+json, and the bearer job token of the
// route's scope checked before anything else is read.
import type { IncomingMessage, ServerResponse } from "node:http";
import { verifyRuntimeJobToken, type RuntimeJobScope } from "@speaknode/tokens";
import { errorFields, log } from "../log.ts";

export class Refusal extends Error {
  override name = "Refusal";
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/problem+json", "cache-control": "no-store" }).end(JSON.stringify({ type: "about:blank", title: code, status, code, detail }));
}

/** The space and agent of the request's job token for `scope`; a 401 Refusal when there is none that verifies. */
export async function jobClaims(req: IncomingMessage, secret: string, scope: RuntimeJobScope, what: string): Promise<{ spaceId: string; agentId: string }> {
  const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(req.headers.authorization ?? "")?.[1];
  const claims = token ? await verifyRuntimeJobToken(secret, scope, token) : null;
  if (!claims) throw new Refusal(401, "unauthorized", `The ${what} job token is missing, invalid or expired.`);
  return claims;
}

/**
 * A job route: `handleRequest` answers POST `path` with `handle` (a thrown Refusal becomes its
 * problem, anything else a 500 saying `failure`), 405 for another method, and returns false for any
 * other path.
 */
export function jobRoute(path: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, failure: { log: string; detail: string }): { handleRequest(req: IncomingMessage, res: ServerResponse): boolean } {
  return {
    handleRequest(req, res) {
      const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
      if (pathname !== path) return false;
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        problem(res, 405, "method_not_allowed", "Use POST.");
        return true;
      }
      handle(req, res).catch((err: unknown) => {
        if (err instanceof Refusal) return problem(res, err.status, err.code, err.message);
        log.warn(failure.log, errorFields(err));
        problem(res, 500, "internal", failure.detail);
      });
      return true;
    },
  };
}
