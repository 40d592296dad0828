import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld } from "../../test/helpers.ts";

describe("members: happy paths", () => {
  it("lists members with roles for any member of the space", async () => {
    const w = await makeWorld();
    const res = await call("GET", `/v1/spaces/${w.spaceId}/members`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body.data?.map((m) => [m["userId"], m["role"]])).toEqual([
      [w.owner.id, "owner"],
      [w.member.id, "member"],
    ]);
  });

  it("lets the Owner promote a Member, after which the old Owner may step down", async () => {
    const w = await makeWorld();
    const promoted = await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.owner.token, json: { role: "owner" } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ userId: w.member.id, role: "owner" });
    const stepDown = await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.owner.id}`, { token: w.owner.token, json: { role: "member" } });
    expect(stepDown.body["role"]).toBe("member");
    // The former Owner has lost Owner rights at once.
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/api-keys`, { token: w.owner.token }), 403, "forbidden");
  });

  it("lets the Owner remove a member, who then cannot see the space", async () => {
    const w = await makeWorld();
    const res = await call("DELETE", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.owner.token });
    expect(res.status).toBe(204);
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.member.token }), 404, "not_found");
  });

  it("lets a Member leave the space themselves", async () => {
    const w = await makeWorld();
    const res = await call("DELETE", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.member.token });
    expect(res.status).toBe(204);
  });
});

describe("members: errors", () => {
  it("never demotes or removes the last Owner", async () => {
    const w = await makeWorld();
    const demote = await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.owner.id}`, { token: w.owner.token, json: { role: "member" } });
    expectProblem(demote, 409, "conflict");
    expectProblem(await call("DELETE", `/v1/spaces/${w.spaceId}/members/${w.owner.id}`, { token: w.owner.token }), 409, "conflict");
    const members = await call("GET", `/v1/spaces/${w.spaceId}/members`, { token: w.owner.token });
    expect(members.body.data?.find((m) => m["userId"] === w.owner.id)?.["role"]).toBe("owner");
  });

  it("keeps one Owner when two Owners demote each other at the same time", async () => {
    const w = await makeWorld();
    await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.owner.token, json: { role: "owner" } });
    const [a, b] = await Promise.all([
      call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.owner.id}`, { token: w.member.token, json: { role: "member" } }),
      call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.owner.token, json: { role: "member" } }),
    ]);
    // One wins; the other is refused either by the last-Owner rule or because its caller is no
    // longer an Owner, depending on which request reached the database first.
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const members = await call("GET", `/v1/spaces/${w.spaceId}/members`, { token: w.apiKey });
    expect(members.body.data?.filter((m) => m["role"] === "owner")).toHaveLength(1);
  });

  it("rejects an unknown role and an unknown member", async () => {
    const w = await makeWorld();
    const bad = await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.member.id}`, { token: w.owner.token, json: { role: "admin" } });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "body.role" })]);
    expectProblem(await call("PATCH", `/v1/spaces/${w.spaceId}/members/${w.outsider.id}`, { token: w.owner.token, json: { role: "member" } }), 404, "not_found");
  });
});
