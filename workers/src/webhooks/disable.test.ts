import { and, eq, inArray, like } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { newId } from "@speaknode/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, emailOutbox, webhookAttempts, webhookDeliveries, webhookEndpoints, type DatabaseHandle } from "@speaknode/db";
import { testEnv } from "../../test/helpers.ts";
import { readConfig, type Config } from "../config.ts";
import { attemptDelivery, type DeliverDeps } from "./deliver.ts";
import { endpointDisabledEmailKind } from "./disable.ts";
import { fanOutEvent } from "./fanout.ts";
import { generateWebhookSecret } from "./secrets.ts";
import { deliveryFixture, domainEventFixture, fakeReceiver, recordingQueueEnv, webhookEndpointFixture, type ReceiverAnswer } from "./testing.ts";

let handle: DatabaseHandle;
let config: Config;
beforeAll(() => {
  handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 2 });
  config = readConfig(testEnv);
});
afterAll(() => handle.close());

const db = () => handle.db;
const dayMs = 86_400_000;

function harness(answer?: ReceiverAnswer) {
  const receiver = fakeReceiver(answer);
  const queue = recordingQueueEnv();
  const deps: DeliverDeps = { db: db(), config: { ...config, publicUrl: "https://app.speaknode.test" }, env: queue.env, fetchImpl: receiver.fetchImpl, random: () => 0.5 };
  return { deps, requests: receiver.requests, sent: queue.sent };
}

const deliveryRow = async (id: string) => (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)))[0]!;
const endpointRow = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;

/** A second event fanned out to the fixture's space: another pending delivery of its endpoint. */
async function anotherDelivery(spaceId: string): Promise<string> {
  const [id] = await fanOutEvent(db(), await domainEventFixture(db(), spaceId, { type: "session.completed" }));
  return id!;
}

describe("disabling an endpoint", () => {
  it("disables the endpoint (gone) on 410, fails this delivery and its other pending ones, and retries nothing", async () => {
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY);
    const other = await anotherDelivery(f.spaceId);
    const neighbour = await webhookEndpointFixture(db(), testEnv.SECRETS_KEY, f.spaceId);
    // A third event reaches both endpoints.
    expect(await fanOutEvent(db(), await domainEventFixture(db(), f.spaceId))).toHaveLength(2);
    const { deps, sent } = harness(() => new Response("gone", { status: 410 }));

    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ succeeded: false, responseStatus: 410, retryInS: null, disabled: "gone", emailIds: [] });
    expect(sent).toEqual([]);
    const endpoint = await endpointRow(f.endpointId);
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: "gone" });
    expect(endpoint.disabledAt).not.toBeNull();
    expect(await deliveryRow(f.deliveryId)).toMatchObject({ status: "failed", lastStatusCode: 410, nextAttemptAt: null });
    expect(await deliveryRow(other)).toMatchObject({ status: "failed", attempts: 0, lastError: "endpoint disabled (gone)" });
    const mine = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, f.endpointId));
    expect(mine.map((d) => d.status)).toEqual(["failed", "failed", "failed"]);
    // Another endpoint of the space is not touched.
    expect((await endpointRow(neighbour.endpointId)).enabled).toBe(true);
    const neighbours = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, neighbour.endpointId));
    expect(neighbours.map((d) => d.status)).toEqual(["pending"]);
  });

  it("disables an endpoint failing for more than 5 days (failing), fails its deliveries and emails its Owners once", async () => {
    const owners = [`a-${crypto.randomUUID()}@example.test`, `b-${crypto.randomUUID()}@example.test`];
    const member = `m-${crypto.randomUUID()}@example.test`;
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY, { ownerEmails: owners, memberEmail: member, failingSince: new Date(Date.now() - 5 * dayMs - 60_000) });
    const other = await anotherDelivery(f.spaceId);
    const { deps, requests, sent } = harness(() => new Response("", { status: 500 }));

    // Two attempts fail together: one disables, and the Owners get one email each.
    const outcomes = await Promise.all([attemptDelivery(deps, f.deliveryId, "auto"), attemptDelivery(deps, other, "auto")]);
    const disabling = outcomes.filter((o) => o.kind === "attempted" && o.disabled === "failing");
    expect(disabling).toHaveLength(1);
    expect(sent).toEqual([]);
    expect(await endpointRow(f.endpointId)).toMatchObject({ enabled: false, disabledReason: "failing" });
    expect((await deliveryRow(f.deliveryId)).status).toBe("failed");
    expect((await deliveryRow(other)).status).toBe("failed");

    const mails = await db().select().from(emailOutbox).where(and(eq(emailOutbox.kind, endpointDisabledEmailKind), inArray(emailOutbox.toAddress, [...owners, member])));
    expect(mails.map((m) => m.toAddress).sort()).toEqual([...owners].sort());
    expect(mails[0]!.subject).toBe("A webhook endpoint of Webhook space was disabled");
    expect(mails[0]!.textBody).toContain(f.url);
    expect(mails[0]!.textBody).toContain(`https://app.speaknode.test/app/spaces/${f.spaceId}/webhooks`);
    expect(disabling[0]!.kind === "attempted" && disabling[0]!.emailIds.sort()).toEqual(mails.map((m) => m.id).sort());

    // A later message for a delivery of the disabled endpoint sends nothing and mails no one.
    const late = await anotherDelivery(f.spaceId);
    expect(late).toBeUndefined(); // fan-out skips disabled endpoints
    const before = requests.length;
    const [again] = await db().insert(webhookDeliveries).values({ id: newId("webhookDelivery"), spaceId: f.spaceId, endpointId: f.endpointId, eventId: await domainEventFixture(db(), f.spaceId, { fannedOut: true }), eventType: "session.started", nextAttemptAt: new Date() }).returning({ id: webhookDeliveries.id });
    expect(await attemptDelivery(deps, again!.id, "auto")).toEqual({ kind: "endpoint_disabled" });
    expect(requests).toHaveLength(before);
    expect(await deliveryRow(again!.id)).toMatchObject({ status: "failed", lastError: "endpoint disabled", attempts: 0 });
    const mailsAfter = await db().select().from(emailOutbox).where(and(like(emailOutbox.kind, `${endpointDisabledEmailKind}%`), inArray(emailOutbox.toAddress, owners)));
    expect(mailsAfter).toHaveLength(2);
  });

  it("keeps retrying an endpoint failing for less than 5 days", async () => {
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY, { ownerEmails: [`o-${crypto.randomUUID()}@example.test`], failingSince: new Date(Date.now() - 4 * dayMs) });
    const { deps, sent } = harness(() => new Response("", { status: 503 }));
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ succeeded: false, disabled: null, retryInS: 5 });
    expect(sent).toHaveLength(1);
    expect((await endpointRow(f.endpointId)).enabled).toBe(true);
  });
});

describe("secret rotation", () => {
  it("signs with both secrets while the overlap lasts, each signature verifiable on its own", async () => {
    const previous = generateWebhookSecret();
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY, { previous: { secret: previous, expiresAt: new Date(Date.now() + dayMs) } });
    const { deps, requests } = harness();
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ succeeded: true });
    const req = requests[0]!;
    const signatures = req.headers["webhook-signature"]!.split(" ");
    expect(signatures).toHaveLength(2);
    for (const [secret, signature] of [
      [f.secret, signatures[0]!],
      [previous, signatures[1]!],
    ] as const) {
      expect(() => new Webhook(secret).verify(req.body, { ...req.headers, "webhook-signature": signature })).not.toThrow();
    }
    // Receivers holding either secret accept the request as sent.
    expect(() => new Webhook(previous).verify(req.body, req.headers)).not.toThrow();
    const [attempt] = await db().select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, f.deliveryId));
    expect(attempt!.requestHeaders["webhook-signature"]).toBe("[redacted]");
  });

  it("signs with the current secret alone once the overlap has ended", async () => {
    const previous = generateWebhookSecret();
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY, { previous: { secret: previous, expiresAt: new Date(Date.now() - 1000) } });
    const { deps, requests } = harness();
    await attemptDelivery(deps, f.deliveryId, "auto");
    expect(requests[0]!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => new Webhook(previous).verify(requests[0]!.body, requests[0]!.headers)).toThrow();
  });

  it("does not send custom headers sealed for another origin (the URL moved)", async () => {
    const f = await deliveryFixture(db(), testEnv.SECRETS_KEY, { headers: { authorization: "Bearer for-the-old-host" } });
    await db().update(webhookEndpoints).set({ url: "https://new-host.example.test/hooks" }).where(eq(webhookEndpoints.id, f.endpointId));
    const { deps, requests } = harness();
    await attemptDelivery(deps, f.deliveryId, "auto");
    expect(requests[0]!.url).toBe("https://new-host.example.test/hooks");
    expect(requests[0]!.headers["authorization"]).toBeUndefined();
  });
});
