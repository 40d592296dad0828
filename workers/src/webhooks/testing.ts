// Test fixtures of the webhooks engine (tests only; nothing in the Worker imports this): a space
// with Owners, an endpoint row with a sealed secret, a domain event, a receiver that stands in for
// fetch and records what it got, and a queue binding that records what was enqueued.
import { newId, type WebhooksMessage } from "@speaknode/contracts";
import { domainEvents, memberships, spaces, users, webhookEndpoints, type Database } from "@speaknode/db";
import { fanOutEvent } from "./fanout.ts";
import { generateWebhookSecret, sealHeaders, sealSecret } from "./secrets.ts";
import type { WorkerEnv } from "../env.ts";
import { fakeEnv } from "../../test/fake-env.ts";

/** A space with one Owner per address given (and a Member, who is never mailed as an Owner). */
export async function webhookSpaceFixture(db: Database, opts: { ownerEmails?: string[]; memberEmail?: string } = {}): Promise<{ spaceId: string }> {
  const spaceId = newId("space");
  await db.insert(spaces).values({ id: spaceId, name: "Webhook space" });
  const people = [...(opts.ownerEmails ?? []).map((email) => ({ email, role: "owner" as const })), ...(opts.memberEmail ? [{ email: opts.memberEmail, role: "member" as const }] : [])];
  for (const p of people) {
    const userId = newId("user");
    await db.insert(users).values({ id: userId, oidcIssuer: "https://issuer.example.test", oidcSubject: crypto.randomUUID(), email: p.email });
    await db.insert(memberships).values({ spaceId, userId, role: p.role });
  }
  return { spaceId };
}

export interface EndpointFixtureOptions {
  url?: string;
  eventTypes?: string[];
  enabled?: boolean;
  headers?: Record<string, string>;
  /** A previous secret still signing until `expiresAt` (a rotation's overlap). */
  previous?: { secret: string; expiresAt: Date };
  failingSince?: Date | null;
}

export interface EndpointFixture {
  endpointId: string;
  secret: string;
  url: string;
}

/** An endpoint row as the API would write it: secret (and custom headers) sealed with secretsKey. */
export async function webhookEndpointFixture(db: Database, secretsKey: string, spaceId: string, opts: EndpointFixtureOptions = {}): Promise<EndpointFixture> {
  const endpointId = newId("webhookEndpoint");
  const secret = generateWebhookSecret();
  const url = opts.url ?? "https://receiver.example.test/hooks";
  await db.insert(webhookEndpoints).values({
    id: endpointId,
    spaceId,
    url,
    eventTypes: opts.eventTypes ?? [],
    enabled: opts.enabled ?? true,
    disabledReason: opts.enabled === false ? "manual" : null,
    secret: await sealSecret(secretsKey, endpointId, secret),
    previousSecret: opts.previous ? await sealSecret(secretsKey, endpointId, opts.previous.secret) : null,
    previousSecretExpiresAt: opts.previous?.expiresAt ?? null,
    customHeaders: opts.headers ? await sealHeaders(secretsKey, endpointId, url, opts.headers) : null,
    customHeaderNames: Object.keys(opts.headers ?? {}),
    failingSince: opts.failingSince ?? null,
  });
  return { endpointId, secret, url };
}

/** A domain event not yet fanned out (or, with `fannedOut`, one the sweep leaves alone). */
export async function domainEventFixture(db: Database, spaceId: string, opts: { type?: string; data?: Record<string, unknown>; occurredAt?: Date; fannedOut?: boolean } = {}): Promise<string> {
  const id = newId("domainEvent");
  const occurredAt = opts.occurredAt ?? new Date();
  await db.insert(domainEvents).values({
    id,
    spaceId,
    type: opts.type ?? "session.started",
    data: opts.data ?? { sessionId: newId("session"), agentId: newId("agent"), channel: "web", direction: null, startedAt: occurredAt.toISOString(), campaignId: null, campaignItemId: null },
    occurredAt,
    fannedOutAt: opts.fannedOut ? occurredAt : null,
  });
  return id;
}

export interface ReceivedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  redirect: RequestRedirect | undefined;
}

/** What the fake receiver answers the nth request (1-based): a Response, or a network failure. */
export type ReceiverAnswer = (req: ReceivedRequest, n: number) => Response | "unreachable" | "hang";

/**
 * A receiver in place of fetch: records each request and answers it. "hang" never answers (until
 * the attempt's signal aborts it), to exercise the timeout.
 */
export function fakeReceiver(answer: ReceiverAnswer = () => new Response("ok")): { fetchImpl: typeof fetch; requests: ReceivedRequest[] } {
  const requests: ReceivedRequest[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const req: ReceivedRequest = { url: request.url, method: request.method, headers: Object.fromEntries(request.headers), body: await request.text(), redirect: init?.redirect };
    requests.push(req);
    const reply = answer(req, requests.length);
    if (reply === "unreachable") throw new TypeError("fetch failed: connection refused");
    if (reply === "hang") {
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    }
    return reply;
  }) as typeof fetch;
  return { fetchImpl, requests };
}

export interface RecordedMessage {
  body: WebhooksMessage;
  delaySeconds: number | undefined;
}

/** An env whose WEBHOOKS_QUEUE records messages instead of sending them (no consumer runs them). */
export function recordingQueueEnv(): { env: WorkerEnv; sent: RecordedMessage[] } {
  const sent: RecordedMessage[] = [];
  const queue = {
    send: async (body: WebhooksMessage, opts?: { delaySeconds?: number }) => {
      sent.push({ body, delaySeconds: opts?.delaySeconds });
    },
    sendBatch: async (messages: Iterable<{ body: WebhooksMessage; delaySeconds?: number }>) => {
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
    },
  };
  return { env: fakeEnv({ WEBHOOKS_QUEUE: queue }), sent };
}

/** A space (with these Owners), one endpoint and one event fanned out to it: its pending delivery, due now. */
export async function deliveryFixture(
  db: Database,
  secretsKey: string,
  opts: EndpointFixtureOptions & { ownerEmails?: string[]; memberEmail?: string; eventType?: string } = {},
): Promise<EndpointFixture & { spaceId: string; eventId: string; deliveryId: string }> {
  const { spaceId } = await webhookSpaceFixture(db, opts);
  const endpoint = await webhookEndpointFixture(db, secretsKey, spaceId, opts);
  const eventId = await domainEventFixture(db, spaceId, opts.eventType ? { type: opts.eventType } : {});
  const [deliveryId] = await fanOutEvent(db, eventId);
  if (!deliveryId) throw new Error("the event was not fanned out to the endpoint");
  return { ...endpoint, spaceId, eventId, deliveryId };
}
