// The security suite every /v1 route runs: no credentials, malformed header, expired token, token
// of another issuer, token signed by an unknown key, a refresh token used as access token, a
// revoked API key, an id from another space, and the wrong role.
import { describe, expect, it } from "vitest";
import { call, expectProblem, mintToken, testEnv, type World } from "./helpers.ts";

export type Need = "member" | "owner" | "user" | "admin";

export interface RouteCase {
  name: string;
  method: string;
  /** Path for the world's own space/resources. */
  path: (w: World) => string | Promise<string>;
  /** The same operation aimed at another space's resource (expect 404), where one applies. */
  foreignPath?: (w: World) => string | Promise<string>;
  json?: unknown;
  need: Need;
}

/** The path with every prefixed id (`tol_…`, `spc_…`) replaced by a fresh one of the same kind. */
export function withRandomIds(path: string): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  return path.replace(/\b([a-z]{3})_[0-9a-hjkmnp-tv-z]{26}\b/g, (_m, prefix: string) => {
    const random = Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => alphabet[b & 31]).join("");
    return `${prefix}_${random}`;
  });
}

export function securitySuite(cases: RouteCase[], world: () => World): void {
  for (const rc of cases) {
    describe(`${rc.method} ${rc.name} security`, () => {
      const send = async (token: string | undefined, path?: string) =>
        call(rc.method, path ?? (await rc.path(world())), { token, ...(rc.json !== undefined ? { json: rc.json } : {}) });

      it("refuses a request without credentials with 401 and a Bearer challenge", async () => {
        const res = await send(undefined);
        expectProblem(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
      });

      it("refuses a malformed authorization header", async () => {
        const res = await call(rc.method, await rc.path(world()), { headers: { authorization: "Basic Zm9vOmJhcg==" } });
        expectProblem(res, 401, "unauthorized");
      });

      it("refuses an expired token with token_expired", async () => {
        expectProblem(await send(await mintToken({ expiresInS: -120 })), 401, "token_expired");
      });

      it("refuses a token from another issuer", async () => {
        const token = await mintToken({ issuer: testEnv.FOREIGN_ISSUER, privateJwk: testEnv.FOREIGN_PRIVATE_JWK });
        expectProblem(await send(token), 401, "unauthorized");
      });

      it("refuses a token with our issuer name but signed by a foreign key", async () => {
        expectProblem(await send(await mintToken({ privateJwk: testEnv.FOREIGN_PRIVATE_JWK })), 401, "unauthorized");
      });

      it("refuses a token for another audience and a refresh token", async () => {
        expectProblem(await send(await mintToken({ audience: "another-api" })), 401, "unauthorized");
        expectProblem(await send(await mintToken({ typ: "Refresh" })), 401, "unauthorized");
      });

      it("refuses a revoked API key", async () => {
        expectProblem(await send(world().revokedApiKey), 401, "unauthorized");
      });

      if (rc.foreignPath) {
        const foreignPath = rc.foreignPath;
        it("answers 404 for another space's resource, as if it did not exist", async () => {
          const w = world();
          expectProblem(await send(w.owner.token, await foreignPath(w)), 404, "not_found");
        });

        it("answers another space's id and a made-up id with the same 404 text", async () => {
          const w = world();
          const path = await foreignPath(w);
          const foreign = await send(w.owner.token, path);
          const madeUp = await send(w.owner.token, withRandomIds(path));
          expectProblem(madeUp, 404, "not_found");
          expect(madeUp.body["detail"]).toBe(foreign.body["detail"]);
        });
      }

      if (rc.need === "owner") {
        it("refuses a Member with 403", async () => {
          expectProblem(await send(world().member.token), 403, "forbidden");
        });
        it("refuses a space API key (Member rights) with 403", async () => {
          expectProblem(await send(world().apiKey), 403, "forbidden");
        });
      }
      if (rc.need === "user") {
        it("refuses an API key where a signed-in user is needed", async () => {
          expectProblem(await send(world().apiKey), 403, "forbidden");
        });
      }
      if (rc.need === "admin") {
        it("refuses a user without the platform Admin role", async () => {
          expectProblem(await send(world().owner.token), 403, "forbidden");
        });
      }
    });
  }
}
