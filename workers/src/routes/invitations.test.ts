import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { invitations } from "@speaknode/db";
import { call, expectProblem, makeWorld, newUser, withDb } from "../../test/helpers.ts";

/** Reads the activation token out of the newest invitation email to `to` on the dev mail page. */
async function tokenFromMail(to: string): Promise<string> {
  const mail = await call("GET", "/dev/mail.json");
  const message = mail.body.data?.find((m) => m["to"] === to);
  const match = /token=([A-Za-z0-9_-]+)/.exec(String(message?.["text"] ?? ""));
  if (!match?.[1]) throw new Error(`no invitation mail to ${to}`);
  return decodeURIComponent(match[1]);
}

describe("invitations: happy paths", () => {
  it("invites by email, delivers a link to the outbox, and the invitee joins with the invited role", async () => {
    const w = await makeWorld();
    const email = `inv-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email: email.toUpperCase(), role: "owner" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email, role: "owner", status: "pending", sendCount: 1, invitedBy: w.owner.id });
    const pending = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    expect(pending.body.data?.map((i) => i["email"])).toContain(email);

    const token = await tokenFromMail(email);
    const invitee = await newUser({ email });
    const accepted = await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ spaceId: w.spaceId, role: "owner" });
    const space = await call("GET", `/v1/spaces/${w.spaceId}`, { token: invitee.token });
    expect(space.body["role"]).toBe("owner");
    const after = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    expect(after.body.data?.map((i) => i["email"])).not.toContain(email);
  });

  it("resend issues a new link and the old one stops working", async () => {
    const w = await makeWorld();
    const email = `re-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const oldToken = await tokenFromMail(email);
    const resent = await call("POST", `/v1/invitations/${String(created.body["id"])}/resend`, { token: w.owner.token });
    expect(resent.status).toBe(200);
    expect(resent.body["sendCount"]).toBe(2);
    const newToken = await tokenFromMail(email);
    expect(newToken).not.toBe(oldToken);
    const invitee = await newUser({ email });
    expectProblem(await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token: oldToken } }), 404, "not_found");
    expect((await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token: newToken } })).status).toBe(200);
  });

  it("revoke makes the link gone", async () => {
    const w = await makeWorld();
    const email = `rv-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const token = await tokenFromMail(email);
    expect((await call("DELETE", `/v1/invitations/${String(created.body["id"])}`, { token: w.owner.token })).status).toBe(204);
    const invitee = await newUser({ email });
    expectProblem(await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } }), 410, "gone");
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}`, { token: invitee.token }), 404, "not_found");
  });
});

describe("invitations: errors", () => {
  it("answers a replayed token with 410 and does not add anyone", async () => {
    const w = await makeWorld();
    const email = `rp-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const token = await tokenFromMail(email);
    const invitee = await newUser({ email });
    expect((await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } })).status).toBe(200);
    expectProblem(await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } }), 410, "gone");
  });

  it("answers an expired invitation with 410", async () => {
    const w = await makeWorld();
    const email = `ex-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const token = await tokenFromMail(email);
    await withDb((db) => db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, String(created.body["id"]))));
    const invitee = await newUser({ email });
    expectProblem(await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } }), 410, "gone");
  });

  it("refuses a signed-in user whose email differs or is not verified, leaving the invitation open", async () => {
    const w = await makeWorld();
    const email = `mm-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const token = await tokenFromMail(email);
    const other = await newUser();
    expectProblem(await call("POST", "/v1/invitations/accept", { token: other.token, json: { token } }), 403, "forbidden");
    const unverified = await newUser({ email, emailVerified: false });
    expectProblem(await call("POST", "/v1/invitations/accept", { token: unverified.token, json: { token } }), 403, "forbidden");
    const [row] = await withDb((db) => db.select().from(invitations).where(and(eq(invitations.id, String(created.body["id"])))));
    expect(row?.acceptedAt).toBeNull();
  });

  it("refuses a second open invitation to the same address, and inviting a member", async () => {
    const w = await makeWorld();
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } }), 409, "conflict");
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email: w.member.email } }), 409, "conflict");
  });

  it("rejects a bad email address and unknown tokens", async () => {
    const w = await makeWorld();
    const bad = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email: "not-an-email" } });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "body.email" })]);
    expectProblem(await call("POST", "/v1/invitations/accept", { token: w.member.token, json: { token: "nope" } }), 404, "not_found");
    expectProblem(await call("POST", "/v1/invitations/accept", { token: w.member.token, json: {} }), 400, "validation_failed");
  });

  it("answers unknown and malformed invitation ids with 404 and 400", async () => {
    const w = await makeWorld();
    expectProblem(await call("DELETE", "/v1/invitations/inv_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("POST", "/v1/invitations/inv_01jqz8k3m4n5p6q7r8s9t0v1w2/resend", { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("DELETE", "/v1/invitations/spc_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: w.owner.token }), 400, "validation_failed");
  });

  it("refuses to revoke an accepted invitation", async () => {
    const w = await makeWorld();
    const email = `ac-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const token = await tokenFromMail(email);
    const invitee = await newUser({ email });
    await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token } });
    expectProblem(await call("DELETE", `/v1/invitations/${String(created.body["id"])}`, { token: w.owner.token }), 409, "conflict");
    expectProblem(await call("POST", `/v1/invitations/${String(created.body["id"])}/resend`, { token: w.owner.token }), 410, "gone");
  });
});
