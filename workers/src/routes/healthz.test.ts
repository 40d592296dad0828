import { describe, expect, it } from "vitest";
import { call } from "../../test/helpers.ts";

describe("GET /healthz", () => {
  it("answers ok without touching the database or needing a token", async () => {
    const res = await call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("answers unknown paths with a 404 problem", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body["code"]).toBe("not_found");
  });
});
