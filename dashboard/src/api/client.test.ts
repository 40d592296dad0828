// The API client with a fake fetch: bearer header, problem+json → ApiProblem, non-JSON errors,
// the one retry after a refresh on `token_expired`, and sign-in on any other 401.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fakeFetch, json, noContent, problem } from "../test-support.ts";
import { ApiProblem, codeForStatus, createApi, errorMessage } from "./client.ts";

function setup(handler: Parameters<typeof fakeFetch>[0], opts: { refreshOk?: boolean } = {}) {
  let token = "t1";
  const calls = { refresh: 0, unauthorized: 0 };
  const fetch = fakeFetch(handler);
  const api = createApi({
    base: "",
    fetch,
    accessToken: async () => token,
    refresh: async () => {
      calls.refresh += 1;
      token = "t2";
      return opts.refreshOk ?? true;
    },
    onUnauthorized: () => void (calls.unauthorized += 1),
  });
  return { api, fetch, calls };
}

const Thing = z.object({ id: z.string() });

describe("api client", () => {
  it("sends the bearer token and JSON, and validates the answer", async () => {
    const { api, fetch } = setup(() => json({ id: "x", extra: 1 }, 201));
    expect(await api.json(Thing, "POST", "/v1/things", { body: { name: "a" }, query: { search: "a b", empty: "", none: undefined } })).toEqual({ id: "x" });
    const req = fetch.requests[0];
    expect(req?.url).toBe("/v1/things?search=a+b");
    expect(req?.headers["authorization"]).toBe("Bearer t1");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.body).toBe('{"name":"a"}');
  });

  it("rejects an answer that does not match the contract", async () => {
    const { api } = setup(() => json({ nope: true }));
    await expect(api.json(Thing, "GET", "/v1/things")).rejects.toThrow();
  });

  it("turns problem+json into an ApiProblem with code, request id and field errors", async () => {
    const { api } = setup(() => problem("validation_failed", 400, "the body is invalid", [{ field: "body.email", message: "must be an email address" }]));
    const err = await api.empty("POST", "/v1/x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiProblem);
    const p = err as ApiProblem;
    expect([p.status, p.code, p.message, p.requestId]).toEqual([400, "validation_failed", "the body is invalid", "req_test"]);
    expect(p.fieldErrors).toEqual([{ field: "body.email", message: "must be an email address" }]);
    // Fields by their labels, never their code paths.
    expect(errorMessage(p)).toBe("the body is invalid (Email must be an email address)");
  });

  it("maps a non-problem error body to a code by status", async () => {
    const { api } = setup(() => new Response("<html>bad gateway</html>", { status: 503, statusText: "Service Unavailable" }));
    const err = await api.empty("GET", "/v1/x").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: "upstream_unavailable", message: "HTTP 503 Service Unavailable" });
    expect(codeForStatus(401)).toBe("unauthorized");
    expect(codeForStatus(418)).toBe("malformed_request");
  });

  it("refreshes and retries once on token_expired", async () => {
    const { api, fetch, calls } = setup((req) => (req.headers["authorization"] === "Bearer t1" ? problem("token_expired", 401, "token expired") : noContent()));
    await api.empty("DELETE", "/v1/x");
    expect(calls).toEqual({ refresh: 1, unauthorized: 0 });
    expect(fetch.requests.map((r) => r.headers["authorization"])).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it("asks for sign-in on other 401s and when the refresh does not help", async () => {
    const a = setup(() => problem("unauthorized", 401, "invalid token"));
    await expect(a.api.empty("GET", "/v1/me")).rejects.toMatchObject({ code: "unauthorized" });
    expect(a.calls).toEqual({ refresh: 0, unauthorized: 1 });
    const b = setup(() => problem("token_expired", 401, "token expired"), { refreshOk: false });
    await expect(b.api.empty("GET", "/v1/me")).rejects.toMatchObject({ code: "token_expired" });
    expect(b.calls).toEqual({ refresh: 1, unauthorized: 1 });
  });

  it("does not sign out on 403", async () => {
    const { api, calls } = setup(() => problem("forbidden", 403, "this needs the Owner role in the space"));
    await expect(api.empty("GET", "/v1/x")).rejects.toMatchObject({ code: "forbidden", status: 403 });
    expect(calls.unauthorized).toBe(0);
  });
});
