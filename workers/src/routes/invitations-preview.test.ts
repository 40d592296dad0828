import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { invitations } from "@speaknode/db";
import { call, expectProblem, makeWorld, newUser, withDb } from "../../test/helpers.ts";

/** The newest invitation email to `to` on the dev mail page, with the token of its link. */
async function mailTo(to: string): Promise<{ subject: string; text: string; token: string }> {
  const mail = await call("GET", "/dev/mail.json");
  const message = mail.body.data?.find((m) => m["to"] === to);
  const text = String(message?.["text"] ?? "");
  const match = /token=([A-Za-z0-9_-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`no invitation mail to ${to}`);
  return { subject: String(message?.["subject"] ?? ""), text, token: decodeURIComponent(match[1]) };
}

describe("an invitation link says which space invited you", () => {
  it("names the space, the role and the inviter in the email and in the preview read with the link's token", async () => {
    const w = await makeWorld();
    const space = await call("GET", `/v1/spaces/${w.spaceId}`, { token: w.owner.token });
    const spaceName = String(space.body["name"]);
    const email = `pv-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email, role: "member" } });
    const mail = await mailTo(email);
    expect(mail.subject).toContain(spaceName);
    expect(mail.text).toContain(`join "${spaceName}"`);
    expect(mail.text).toContain(`Join ${spaceName}: `);

    const invitee = await newUser({ email });
    const preview = await call("POST", "/v1/invitations/preview", { token: invitee.token, json: { token: mail.token } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ spaceId: w.spaceId, spaceName, role: "member", email, status: "pending" });
    expect(preview.body["invitedByName"]).toBeTruthy();
    // Reading it accepts nothing: the invitee is not in the space yet, and can still accept.
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}`, { token: invitee.token }), 404, "not_found");
    expect((await call("POST", "/v1/invitations/accept", { token: invitee.token, json: { token: mail.token } })).status).toBe(200);
    const used = await call("POST", "/v1/invitations/preview", { token: invitee.token, json: { token: mail.token } });
    expect(used.body).toMatchObject({ spaceName, status: "accepted" });
  });

  it("tells an expired invitation apart, and answers unknown tokens with 404, bad bodies with 400, no sign-in with 401", async () => {
    const w = await makeWorld();
    const email = `pe-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const created = await call("POST", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token, json: { email } });
    const { token } = await mailTo(email);
    await withDb((db) => db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, String(created.body["id"]))));
    const invitee = await newUser({ email });
    expect((await call("POST", "/v1/invitations/preview", { token: invitee.token, json: { token } })).body).toMatchObject({ status: "expired" });
    expectProblem(await call("POST", "/v1/invitations/preview", { token: invitee.token, json: { token: "nope" } }), 404, "not_found");
    expectProblem(await call("POST", "/v1/invitations/preview", { token: invitee.token, json: {} }), 400, "validation_failed");
    expectProblem(await call("POST", "/v1/invitations/preview", { json: { token } }), 401, "unauthorized");
  });
});
