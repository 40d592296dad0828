// Invitation email is delivered from the outbox after the response: a slow or failing provider
// never holds up the request, failures are retried with backoff, and the Owner sees where each
// invitation's email is.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emailOutbox } from "@speaknode/db";
import { createApp } from "../app.ts";
import { call, makeWorld, withDb, type CallResult } from "../../test/helpers.ts";
import { deliverOutbox } from "../email/delivery.ts";

const app = createApp();
const resendEnv = { ...env, EMAIL_PROVIDER: "resend", RESEND_API_KEY: "re_test_key", EMAIL_ATTEMPT_TIMEOUT_MS: "300" };

/** Resend's endpoint as this test wants it: hanging (until the attempt's timeout aborts it) or answering `status`. */
function stubResend(answer: "hang" | number): { calls: number } {
  const seen = { calls: 0 };
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith("https://api.resend.com/")) return realFetch(input, init);
    seen.calls++;
    if (answer === "hang") {
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    }
    return new Response(JSON.stringify(answer === 200 ? { id: `re-${seen.calls}` } : { message: "unavailable" }), { status: answer });
  });
  return seen;
}

async function request(method: string, path: string, token: string, json?: unknown): Promise<CallResult & { ctx: ExecutionContext }> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (json !== undefined) headers["content-type"] = "application/json";
  const res = await app.request(path, { method, headers, body: json === undefined ? null : JSON.stringify(json) }, resendEnv, ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as CallResult["body"]) : {}, text, ctx };
}

const outboxRows = (invitationId: string) => withDb((db) => db.select().from(emailOutbox).where(eq(emailOutbox.kind, `invitation:${invitationId}`)));

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("invitation email delivery", () => {
  it("answers at once while the provider hangs; the attempt times out in the background and stays pending", async () => {
    const w = await makeWorld();
    const resend = stubResend("hang");
    const started = Date.now();
    const created = await request("POST", `/v1/spaces/${w.spaceId}/invitations`, w.owner.token, { email: `hang-${crypto.randomUUID().slice(0, 8)}@example.test` });
    const elapsedMs = Date.now() - started;
    expect(created.status).toBe(201);
    expect(created.body["delivery"]).toMatchObject({ status: "pending", attempts: 0, error: null });
    // The request never waited for the provider (which answers nothing).
    expect(elapsedMs).toBeLessThan(2000);
    await waitOnExecutionContext(created.ctx);
    expect(resend.calls).toBe(1);
    const [row] = await outboxRows(String(created.body["id"]));
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "no answer from the provider within 300 ms" });
    expect(row?.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    // The Owner sees it waiting for another attempt, and why.
    const list = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    expect(list.body.data?.find((i) => i["id"] === created.body["id"])?.["delivery"]).toMatchObject({ status: "pending", attempts: 1, error: "no answer from the provider within 300 ms" });
  });

  it("retries a failed send on a later drain, then shows it sent; after the last attempt shows it failed", async () => {
    const w = await makeWorld();
    stubResend(503);
    const retried = await request("POST", `/v1/spaces/${w.spaceId}/invitations`, w.owner.token, { email: `retry-${crypto.randomUUID().slice(0, 8)}@example.test` });
    await waitOnExecutionContext(retried.ctx);
    const retriedId = String(retried.body["id"]);
    expect((await outboxRows(retriedId))[0]).toMatchObject({ status: "pending", attempts: 1, lastError: "resend answered HTTP 503" });

    // The provider is back; the cron's drain (an hour on, past any backoff) sends it.
    vi.unstubAllGlobals();
    stubResend(200);
    const later = new Date(Date.now() + 3_600_000);
    const [mailId] = (await outboxRows(retriedId)).map((r) => r.id);
    expect(await deliverOutbox(resendEnv, { ids: [mailId ?? ""], now: later })).toMatchObject({ sent: 1 });
    const afterRetry = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    expect(afterRetry.body.data?.find((i) => i["id"] === retriedId)?.["delivery"]).toMatchObject({ status: "sent", attempts: 2, error: null });

    // A provider that stays down: every attempt fails until the last, and the Owner sees it failed.
    vi.unstubAllGlobals();
    stubResend(503);
    const doomed = await request("POST", `/v1/spaces/${w.spaceId}/invitations`, w.owner.token, { email: `down-${crypto.randomUUID().slice(0, 8)}@example.test` });
    await waitOnExecutionContext(doomed.ctx);
    const [doomedMail] = (await outboxRows(String(doomed.body["id"]))).map((r) => r.id);
    for (let i = 1; i <= 8; i++) await deliverOutbox(resendEnv, { ids: [doomedMail ?? ""], now: new Date(Date.now() + i * 3 * 3_600_000) });
    const [row] = await outboxRows(String(doomed.body["id"]));
    expect(row).toMatchObject({ status: "failed", attempts: 8, lastError: "resend answered HTTP 503" });
    const listed = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    const delivery = listed.body.data?.find((i) => i["id"] === doomed.body["id"])?.["delivery"] as Record<string, unknown> | undefined;
    expect(delivery).toMatchObject({ status: "failed", attempts: 8, error: "resend answered HTTP 503" });
    expect(Date.parse(String(delivery?.["at"]))).toBe(row?.nextAttemptAt.getTime());

    // Resend is the Owner's way out: a new message, delivered again.
    vi.unstubAllGlobals();
    stubResend(200);
    const resent = await request("POST", `/v1/invitations/${String(doomed.body["id"])}/resend`, w.owner.token);
    expect(resent.body["delivery"]).toMatchObject({ status: "pending", attempts: 0 });
    await waitOnExecutionContext(resent.ctx);
    const again = await call("GET", `/v1/spaces/${w.spaceId}/invitations`, { token: w.owner.token });
    expect(again.body.data?.find((i) => i["id"] === doomed.body["id"])?.["delivery"]).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("keeps a secret key out of what it records about a failure", async () => {
    const w = await makeWorld();
    stubResend(401);
    const created = await request("POST", `/v1/spaces/${w.spaceId}/invitations`, w.owner.token, { email: `key-${crypto.randomUUID().slice(0, 8)}@example.test` });
    await waitOnExecutionContext(created.ctx);
    const [row] = await outboxRows(String(created.body["id"]));
    expect(row).toMatchObject({ status: "failed", attempts: 1, lastError: "resend answered HTTP 401" });
    expect(JSON.stringify(row)).not.toContain("re_test_key");
  });

  it("cancels a message still waiting when the invitation is revoked", async () => {
    const w = await makeWorld();
    stubResend(503);
    const created = await request("POST", `/v1/spaces/${w.spaceId}/invitations`, w.owner.token, { email: `rv-${crypto.randomUUID().slice(0, 8)}@example.test` });
    await waitOnExecutionContext(created.ctx);
    expect((await call("DELETE", `/v1/invitations/${String(created.body["id"])}`, { token: w.owner.token })).status).toBe(204);
    expect((await outboxRows(String(created.body["id"])))[0]).toMatchObject({ status: "failed", lastError: "invitation revoked" });
  });
});
