import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { spaces } from "@speaknode/db";
import { call, expectProblem, makeWorld, newUser, withDb } from "../../test/helpers.ts";

describe("spaces: happy paths", () => {
  it("creates a space whose creator becomes Owner, with a time-ordered spc_ id", async () => {
    const user = await newUser();
    const res = await call("POST", "/v1/spaces", { token: user.token, json: { name: "  Acme support  " } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "Acme support", role: "owner" });
    expect(String(res.body["id"])).toMatch(/^spc_[0-9a-z]{26}$/);
    const members = await call("GET", `/v1/spaces/${String(res.body["id"])}/members`, { token: user.token });
    expect(members.body.data).toEqual([expect.objectContaining({ userId: user.id, role: "owner", email: user.email })]);
  });

  it("lists only the caller's spaces, oldest first", async () => {
    const user = await newUser();
    const stranger = await newUser();
    await call("POST", "/v1/spaces", { token: stranger.token, json: { name: "Not mine" } });
    const a = await call("POST", "/v1/spaces", { token: user.token, json: { name: "First" } });
    const b = await call("POST", "/v1/spaces", { token: user.token, json: { name: "Second" } });
    const list = await call("GET", "/v1/spaces", { token: user.token });
    expect(list.status).toBe(200);
    expect(list.body.data?.map((s) => s["id"])).toEqual([a.body["id"], b.body["id"]]);
  });

  it("shows an API key its own space only, with Member rights", async () => {
    const w = await makeWorld();
    const list = await call("GET", "/v1/spaces", { token: w.apiKey });
    expect(list.body.data).toEqual([expect.objectContaining({ id: w.spaceId, role: "member" })]);
    const me = await call("GET", "/v1/me", { token: w.apiKey });
    expect(me.body).toMatchObject({ type: "api_key", spaceId: w.spaceId, role: "member" });
  });

  it("lets the Owner rename and delete the space, and a Member read it", async () => {
    const w = await makeWorld();
    const read = await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.member.token });
    expect(read.body).toMatchObject({ id: w.spaceId, role: "member" });
    const renamed = await call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.owner.token, json: { name: "Renamed" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body["name"]).toBe("Renamed");
    const deleted = await call("DELETE", `/v1/spaces/${w.spaceId}`, { token: w.owner.token });
    expect(deleted.status).toBe(204);
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.owner.token }), 404, "not_found");
    // The space's API keys went with it.
    expectProblem(await call("GET", "/v1/spaces", { token: w.apiKey }), 401, "unauthorized");
  });
});

describe("spaces: bad input", () => {
  it("rejects a name over 100 characters naming the field, and writes nothing", async () => {
    const user = await newUser();
    const name = "x".repeat(101);
    const res = await call("POST", "/v1/spaces", { token: user.token, json: { name } });
    expectProblem(res, 400, "validation_failed");
    expect(res.body["errors"]).toEqual([{ field: "body.name", message: "must be at most 100 characters" }]);
    const rows = await withDb((db) => db.select().from(spaces).where(eq(spaces.name, name)));
    expect(rows).toHaveLength(0);
  });

  it("accepts exactly 100 characters", async () => {
    const user = await newUser();
    const res = await call("POST", "/v1/spaces", { token: user.token, json: { name: "y".repeat(100) } });
    expect(res.status).toBe(201);
  });

  it("rejects malformed JSON with malformed_request", async () => {
    const user = await newUser();
    const res = await call("POST", "/v1/spaces", { token: user.token, body: '{"name": "a"', headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "malformed_request");
  });

  it("rejects wrong types, empty names, unknown fields and a missing body", async () => {
    const user = await newUser();
    const wrongType = await call("POST", "/v1/spaces", { token: user.token, json: { name: 42 } });
    expectProblem(wrongType, 400, "validation_failed");
    expect(wrongType.body["errors"]).toEqual([expect.objectContaining({ field: "body.name" })]);
    expectProblem(await call("POST", "/v1/spaces", { token: user.token, json: { name: "   " } }), 400, "validation_failed");
    const unknown = await call("POST", "/v1/spaces", { token: user.token, json: { name: "ok", plan: "gold" } });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.body["errors"]).toEqual([{ field: "body.plan", message: "unknown field" }]);
    expectProblem(await call("POST", "/v1/spaces", { token: user.token }), 400, "validation_failed");
    const list = await call("GET", "/v1/spaces", { token: user.token });
    expect(list.body.data).toEqual([]);
  });

  it("refuses a body over 256 KiB with 413 before reading it", async () => {
    const user = await newUser();
    const res = await call("POST", "/v1/spaces", { token: user.token, json: { name: "z".repeat(300 * 1024) } });
    expectProblem(res, 413, "payload_too_large");
  });

  it("rejects a non-JSON content type with 415", async () => {
    const user = await newUser();
    const res = await call("POST", "/v1/spaces", { token: user.token, body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expectProblem(res, 415, "unsupported_media_type");
  });

  it("rejects a malformed space id in the path, and answers 404 for an unknown one", async () => {
    const user = await newUser();
    const bad = await call("GET", "/v1/spaces/not-an-id", { token: user.token });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "path.spaceId" })]);
    expectProblem(await call("GET", "/v1/spaces/spc_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: user.token }), 404, "not_found");
  });
});
