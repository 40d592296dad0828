// A local stand-in for Lago's API (the subset Speaknode calls), NOT Lago: customers, subscriptions,
// usage events (idempotent on transaction_id), current usage rated by graduated charges, invoices,
// the customer portal URL, billable metrics and plans, in the request and answer shapes of Lago's
// published OpenAPI document; plus signed webhooks (hmac or jwt, as Lago signs them). Everything is
// in memory; every API request is recorded so tests can check what the platform sent. See README.md.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createHmac, createSign, generateKeyPairSync, randomUUID } from "node:crypto";

export interface LagoSimOptions {
  port?: number;
  host?: string;
  /** The organization's API key (Authorization: Bearer …). */
  apiKey: string;
  /** The key hmac webhooks are signed with (Lago: the organization's HMAC signature token). */
  hmacKey?: string;
  log?: (line: string) => void;
}

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export interface FailRule {
  method: string;
  path: string;
  status: number;
  /** How many matching requests fail (then the rule is spent). */
  times: number;
  /** Only requests whose body text contains this. */
  contains?: string;
}

export interface WebhookRequest {
  url: string;
  algorithm: "hmac" | "jwt";
  body: Record<string, unknown>;
  uniqueKey?: string;
}

export interface LagoSimulator {
  url: string;
  /** Lago's GET /webhooks/public_key: the RSA public key (PEM), base64. */
  publicKeyBase64: string;
  requests(contains?: string): RecordedRequest[];
  fail(rule: FailRule): void;
  addInvoice(invoice: Record<string, unknown>): void;
  sendWebhook(req: WebhookRequest): Promise<{ status: number; headers: Record<string, string> }>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Range = { from_value: number; to_value: number | null; flat_amount: string; per_unit_amount: string };

const now = () => new Date().toISOString();
const obj = (v: unknown): Json | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** Lago's jwt webhook signature: RS256 over `{data: <the body as sent>, iss: <Lago's API URL>}`. */
export function signJwt(body: string, privateKeyPem: string, issuer: string): string {
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const payload = b64url(JSON.stringify({ data: body, iss: issuer }));
  const signature = createSign("RSA-SHA256").update(`${head}.${payload}`).sign(privateKeyPem);
  return `${head}.${payload}.${b64url(signature)}`;
}

/** Lago's hmac webhook signature: base64 of HMAC-SHA256 of the body with the organization's key. */
export function signHmac(body: string, key: string): string {
  return createHmac("sha256", key).update(body).digest("base64");
}

/** Units × graduated ranges in cents (Lago: ranges are inclusive, the next starts at to_value + 1). */
export function graduatedCents(units: number, ranges: Range[]): number {
  let cents = 0;
  for (const r of ranges) {
    const start = r.from_value === 0 ? 0 : r.from_value - 1;
    const end = r.to_value ?? Number.POSITIVE_INFINITY;
    const inRange = Math.max(0, Math.min(units, end) - start);
    if (inRange > 0) cents += (inRange * Number(r.per_unit_amount) + Number(r.flat_amount)) * 100;
  }
  return Math.round(cents);
}

export async function startLagoSimulator(opts: LagoSimOptions): Promise<LagoSimulator> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicKeyBase64 = Buffer.from(publicKey.export({ type: "spki", format: "pem" }).toString()).toString("base64");
  const customers = new Map<string, Json>();
  const subscriptions = new Map<string, Json>();
  const events = new Map<string, Json>();
  const metrics = new Map<string, Json>();
  const plans = new Map<string, Json>();
  const invoices: Json[] = [];
  const recorded: RecordedRequest[] = [];
  const rules: FailRule[] = [];
  let url = "";

  const notFound = (code: string) => ({ status: 404, body: { status: 404, error: "Not Found", code } });
  const invalid = (details: Json) => ({ status: 422, body: { status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: details } });
  const ok = (body: unknown) => ({ status: 200, body });

  function customerOf(externalId: string): Json {
    let c = customers.get(externalId);
    if (!c) {
      c = { lago_id: randomUUID(), external_id: externalId, name: null, currency: null, created_at: now(), updated_at: now() };
      customers.set(externalId, c);
    }
    return c;
  }

  function planBody(input: Json, existing: Json | undefined): { status: number; body: unknown } {
    const code = str(input["code"]) ?? str(existing?.["code"]);
    const name = str(input["name"]);
    if (!code || !name || typeof input["amount_cents"] !== "number" || !str(input["amount_currency"]) || !str(input["interval"])) {
      return invalid({ plan: ["name, code, interval, amount_cents and amount_currency are required"] });
    }
    const charges = Array.isArray(input["charges"]) ? input["charges"] : [];
    for (const charge of charges) {
      const c = obj(charge);
      const metric = [...metrics.values()].find((m) => m["lago_id"] === c?.["billable_metric_id"]);
      if (!c || !metric) return notFound("billable_metric_not_found");
    }
    const plan: Json = {
      ...input,
      lago_id: existing?.["lago_id"] ?? randomUUID(),
      code,
      created_at: existing?.["created_at"] ?? now(),
      charges: charges.map((c) => ({ lago_id: randomUUID(), ...(obj(c) ?? {}) })),
    };
    plans.set(code, plan);
    return ok({ plan });
  }

  function currentUsage(externalCustomerId: string, externalSubscriptionId: string): { status: number; body: unknown } {
    if (!customers.has(externalCustomerId)) return notFound("customer_not_found");
    const sub = subscriptions.get(externalSubscriptionId);
    if (!sub || sub["external_customer_id"] !== externalCustomerId) return notFound("no_active_subscription");
    const plan = plans.get(String(sub["plan_code"]));
    const d = new Date();
    const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1000);
    const currency = String(plan?.["amount_currency"] ?? "USD");
    const chargesUsage = (Array.isArray(plan?.["charges"]) ? (plan["charges"] as Json[]) : []).map((charge) => {
      const metric = [...metrics.values()].find((m) => m["lago_id"] === charge["billable_metric_id"]) ?? {};
      const field = String(metric["field_name"] ?? "");
      const mine = [...events.values()].filter((e) => e["external_subscription_id"] === externalSubscriptionId && e["code"] === metric["code"]);
      const units = mine.reduce((sum, e) => sum + Number(obj(e["properties"])?.[field] ?? 0), 0);
      const ranges = (obj(charge["properties"])?.["graduated_ranges"] ?? []) as Range[];
      const amount = graduatedCents(units, ranges);
      return {
        units: String(units),
        total_aggregated_units: String(units),
        events_count: mine.length,
        amount_cents: amount,
        amount_currency: currency,
        charge: { lago_id: charge["lago_id"], charge_model: charge["charge_model"], invoice_display_name: null },
        billable_metric: { lago_id: metric["lago_id"], name: metric["name"], code: metric["code"], aggregation_type: metric["aggregation_type"] },
        filters: [],
        grouped_usage: [],
      };
    });
    const amount = chargesUsage.reduce((s, c) => s + c.amount_cents, 0);
    return ok({
      customer_usage: {
        from_datetime: from.toISOString(),
        to_datetime: to.toISOString(),
        issuing_date: to.toISOString().slice(0, 10),
        lago_invoice_id: null,
        currency,
        amount_cents: amount,
        taxes_amount_cents: 0,
        total_amount_cents: amount,
        charges_usage: chargesUsage,
      },
    });
  }

  function api(method: string, path: string, query: URLSearchParams, body: Json): { status: number; body: unknown } {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const [resource, id, sub] = parts;
    if (method === "POST" && path === "/customers") {
      const input = obj(body["customer"]);
      const externalId = str(input?.["external_id"]);
      if (!input || !externalId) return invalid({ external_id: ["value_is_mandatory"] });
      const c = { ...customerOf(externalId), ...input, updated_at: now() };
      customers.set(externalId, c);
      return ok({ customer: c });
    }
    if (method === "POST" && path === "/subscriptions") {
      const input = obj(body["subscription"]);
      const customerId = str(input?.["external_customer_id"]);
      const externalId = str(input?.["external_id"]);
      const planCode = str(input?.["plan_code"]);
      if (!input || !customerId || !externalId || !planCode) return invalid({ subscription: ["external_customer_id, external_id and plan_code are required"] });
      if (!plans.has(planCode)) return notFound("plan_not_found");
      const customer = customerOf(customerId);
      const previous = subscriptions.get(externalId);
      const s: Json = {
        lago_id: previous?.["lago_id"] ?? randomUUID(),
        external_id: externalId,
        lago_customer_id: customer["lago_id"],
        external_customer_id: customerId,
        plan_code: planCode,
        previous_plan_code: previous && previous["plan_code"] !== planCode ? previous["plan_code"] : null,
        billing_time: input["billing_time"] ?? "calendar",
        status: "active",
        created_at: previous?.["created_at"] ?? now(),
        started_at: previous?.["started_at"] ?? now(),
      };
      subscriptions.set(externalId, s);
      return ok({ subscription: s });
    }
    if (method === "POST" && path === "/events") {
      const input = obj(body["event"]);
      const transactionId = str(input?.["transaction_id"]);
      if (!input || !transactionId || !str(input["external_subscription_id"]) || !str(input["code"])) {
        return invalid({ event: ["transaction_id, external_subscription_id and code are required"] });
      }
      if (events.has(transactionId)) return invalid({ transaction_id: ["value_already_exist"] });
      const ts = input["timestamp"];
      const event = {
        lago_id: randomUUID(),
        transaction_id: transactionId,
        lago_customer_id: null,
        code: input["code"],
        timestamp: ts === undefined ? now() : new Date(Number(ts) * 1000).toISOString(),
        precise_total_amount_cents: null,
        properties: obj(input["properties"]) ?? {},
        lago_subscription_id: null,
        external_subscription_id: input["external_subscription_id"],
        created_at: now(),
      };
      events.set(transactionId, event);
      return ok({ event });
    }
    if (method === "GET" && resource === "customers" && id && sub === "current_usage") {
      return currentUsage(id, query.get("external_subscription_id") ?? "");
    }
    if (method === "GET" && resource === "customers" && id && sub === "portal_url") {
      if (!customers.has(id)) return notFound("customer_not_found");
      return ok({ customer: { portal_url: `${url}/sim/portal/${encodeURIComponent(id)}` } });
    }
    if (method === "GET" && path === "/invoices") {
      const customer = query.get("external_customer_id");
      const perPage = Math.max(1, Math.min(100, Number(query.get("per_page") ?? 20) || 20));
      const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
      const mine = invoices.filter((i) => !customer || obj(i["customer"])?.["external_id"] === customer).sort((a, b) => String(b["issuing_date"]).localeCompare(String(a["issuing_date"])));
      const totalPages = Math.max(1, Math.ceil(mine.length / perPage));
      return ok({
        invoices: mine.slice((page - 1) * perPage, page * perPage),
        meta: { current_page: page, next_page: page < totalPages ? page + 1 : null, prev_page: page > 1 ? page - 1 : null, total_pages: totalPages, total_count: mine.length },
      });
    }
    if (resource === "billable_metrics") {
      if (method === "POST" && !id) {
        const input = obj(body["billable_metric"]);
        const code = str(input?.["code"]);
        if (!input || !code || !str(input["name"]) || !str(input["aggregation_type"])) return invalid({ billable_metric: ["name, code and aggregation_type are required"] });
        if (metrics.has(code)) return invalid({ code: ["value_already_exist"] });
        const m = { ...input, lago_id: randomUUID(), created_at: now() };
        metrics.set(code, m);
        return ok({ billable_metric: m });
      }
      const existing = id ? metrics.get(id) : undefined;
      if (!existing) return notFound("billable_metric_not_found");
      if (method === "GET") return ok({ billable_metric: existing });
      if (method === "PUT") {
        const m = { ...existing, ...(obj(body["billable_metric"]) ?? {}), lago_id: existing["lago_id"], code: existing["code"] };
        metrics.set(String(existing["code"]), m);
        return ok({ billable_metric: m });
      }
    }
    if (resource === "plans") {
      if (method === "POST" && !id) {
        const input = obj(body["plan"]) ?? {};
        if (plans.has(String(input["code"]))) return invalid({ code: ["value_already_exist"] });
        return planBody(input, undefined);
      }
      const existing = id ? plans.get(id) : undefined;
      if (!existing) return notFound("plan_not_found");
      if (method === "GET") return ok({ plan: existing });
      if (method === "PUT") return planBody({ ...(obj(body["plan"]) ?? {}), code: existing["code"] }, existing);
    }
    if (method === "GET" && path === "/webhooks/public_key") return { status: 200, body: publicKeyBase64 };
    return { status: 404, body: { status: 404, error: "Not Found" } };
  }

  function control(req: IncomingMessage, path: string, query: URLSearchParams, body: Json): { status: number; body: unknown } {
    if (req.method === "GET" && path === "/sim/requests") {
      const contains = query.get("contains") ?? undefined;
      return ok({ requests: sim.requests(contains) });
    }
    if (req.method === "POST" && path === "/sim/fail") {
      sim.fail(body as unknown as FailRule);
      return ok({});
    }
    if (req.method === "POST" && path === "/sim/invoices") {
      sim.addInvoice(obj(body["invoice"]) ?? {});
      return ok({});
    }
    if (req.method === "GET" && path.startsWith("/sim/portal/")) return { status: 200, body: "Lago simulator: the customer portal (stand-in)" };
    return { status: 404, body: { error: "no such simulator control" } };
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
    res.end(text);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? "/", "http://sim");
      const text = await readBody(req);
      let body: Json = {};
      if (text) {
        try {
          body = obj(JSON.parse(text)) ?? {};
        } catch {
          return send(res, 400, { status: 400, error: "Bad Request", code: "bad_request" });
        }
      }
      if (parsed.pathname.startsWith("/sim/")) {
        const r = control(req, parsed.pathname, parsed.searchParams, body);
        return send(res, r.status, r.body);
      }
      if (!parsed.pathname.startsWith("/api/v1/")) return send(res, 404, { status: 404, error: "Not Found" });
      const path = parsed.pathname.slice("/api/v1".length).replace(/\/+$/, "");
      const method = req.method ?? "GET";
      const record = (status: number) =>
        recorded.push({ at: now(), method, path, query: Object.fromEntries(parsed.searchParams), body: text ? body : null, status });
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        record(401);
        return send(res, 401, { status: 401, error: "Unauthorized" });
      }
      const rule = rules.find((r) => r.times > 0 && r.method === method && r.path === path && (!r.contains || text.includes(r.contains)));
      if (rule) {
        rule.times -= 1;
        record(rule.status);
        return send(res, rule.status, { status: rule.status, error: rule.status >= 500 ? "Internal Server Error" : "Error" });
      }
      const r = api(method, path, parsed.searchParams, body);
      record(r.status);
      opts.log?.(`${method} ${path} → ${r.status}`);
      send(res, r.status, r.body);
    })().catch((err: unknown) => send(res, 500, { status: 500, error: err instanceof Error ? err.message : "error" }));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  url = `http://${opts.host ?? "127.0.0.1"}:${(server.address() as AddressInfo).port}`;

  const sim: LagoSimulator = {
    url,
    publicKeyBase64,
    requests: (contains) => recorded.filter((r) => !contains || r.path.includes(contains) || JSON.stringify(r.body ?? {}).includes(contains) || JSON.stringify(r.query).includes(contains)),
    fail: (rule) => void rules.push({ ...rule }),
    addInvoice: (invoice) => void invoices.push({ lago_id: randomUUID(), created_at: now(), updated_at: now(), ...invoice }),
    async sendWebhook(w) {
      const text = JSON.stringify(w.body);
      const signature = w.algorithm === "jwt" ? signJwt(text, privatePem, url) : signHmac(text, opts.hmacKey ?? opts.apiKey);
      const headers = { "content-type": "application/json", "x-lago-signature": signature, "x-lago-signature-algorithm": w.algorithm, "x-lago-unique-key": w.uniqueKey ?? randomUUID() };
      const res = await fetch(w.url, { method: "POST", headers, body: text });
      return { status: res.status, headers };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sim;
}
