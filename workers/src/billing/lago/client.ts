// Lago's REST API (https://getlago.com/docs/api-reference) through the official
// `lago-javascript-client`, with the calls this platform makes and nothing else. The space is Lago's
// customer and its subscription (both `external_id` = space id); a session's usage is one event
// (`transaction_id` = session id, so a retried send is idempotent at Lago).
//
// The generated client resolves with the Response on 2xx and throws it (with `.error`, the parsed
// body) otherwise; a network failure or our timeout rejects with an Error. Both become LagoApiError
// with `retryable` (status 0, 408, 429 and 5xx) so callers never see a Response.
import { Client } from "lago-javascript-client";
import type { BillableMetricBaseInput, CustomerUsageObject, EventInputObject, InvoiceObject, PlanCreateInput } from "lago-javascript-client";
import type { LagoConfig } from "../../config.ts";

export class LagoApiError extends Error {
  /** The HTTP status; 0 when Lago was not reached (network, timeout). */
  readonly status: number;
  /** Lago's error code (`validation_errors`, `customer_not_found`, …) when it sent one. */
  readonly lagoCode: string | null;
  readonly details: Record<string, unknown> | null;
  constructor(status: number, message: string, lagoCode: string | null = null, details: Record<string, unknown> | null = null) {
    super(message);
    this.name = "LagoApiError";
    this.status = status;
    this.lagoCode = lagoCode;
    this.details = details;
  }
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
  /** POST /events answered 422 with `transaction_id: ["value_already_exist"]`: the event is already at Lago. */
  get duplicateTransaction(): boolean {
    const field = this.details?.["transaction_id"];
    return this.status === 422 && Array.isArray(field) && field.includes("value_already_exist");
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

function isResponseLike(v: unknown): v is { status: number; error: unknown } {
  return typeof v === "object" && v !== null && typeof (v as { status?: unknown }).status === "number" && "error" in v;
}

function toLagoError(err: unknown, what: string): LagoApiError {
  if (err instanceof LagoApiError) return err;
  if (isResponseLike(err)) {
    const body = typeof err.error === "object" && err.error !== null ? (err.error as Record<string, unknown>) : {};
    const code = typeof body["code"] === "string" ? body["code"] : null;
    const details = typeof body["error_details"] === "object" && body["error_details"] !== null ? (body["error_details"] as Record<string, unknown>) : null;
    const message = typeof body["error"] === "string" ? body["error"] : `HTTP ${err.status}`;
    return new LagoApiError(err.status, `Lago ${what}: ${message}`.slice(0, 300), code, details);
  }
  const name = err instanceof Error ? err.name : "Error";
  return new LagoApiError(0, `Lago ${what}: ${name === "TimeoutError" || name === "AbortError" ? "timed out" : "unreachable"}`);
}

/** The usage record fields an event carries (a `usage_records` row). */
export interface UsageEventSource {
  sessionId: string;
  spaceId: string;
  agentId: string | null;
  channel: string;
  direction: string | null;
  rawSeconds: number;
  billableSeconds: number;
  endedAt: Date;
}

/** The POST /events body of a usage record. */
export function usageEvent(usage: UsageEventSource, metricCode: string): EventInputObject {
  return {
    transaction_id: usage.sessionId,
    external_subscription_id: usage.spaceId,
    code: metricCode,
    // Seconds since the epoch (Lago also takes decimals for milliseconds).
    timestamp: Math.floor(usage.endedAt.getTime() / 1000),
    properties: {
      billable_seconds: usage.billableSeconds,
      raw_seconds: usage.rawSeconds,
      channel: usage.channel,
      direction: usage.direction ?? "",
      agent_id: usage.agentId ?? "",
    },
  };
}

export type PlanInput = PlanCreateInput["plan"];

export interface LagoClient {
  /** POST /customers creates the customer or updates the one with this external_id. */
  upsertCustomer(spaceId: string, name: string): Promise<void>;
  /** POST /subscriptions: creates the space's subscription, or (same external_id, another plan)
   *  upgrades or downgrades it as Lago's plan change rules say. */
  upsertSubscription(spaceId: string, planCode: string): Promise<void>;
  /** "sent", or "duplicate" when Lago already has this transaction_id. */
  sendUsage(usage: UsageEventSource, metricCode: string): Promise<"sent" | "duplicate">;
  currentUsage(spaceId: string): Promise<CustomerUsageObject>;
  invoices(spaceId: string): Promise<InvoiceObject[]>;
  portalUrl(spaceId: string): Promise<string>;
  /** Creates the billable metric or updates it; returns its lago_id (plans' charges name it). */
  upsertBillableMetric(metric: Required<Pick<BillableMetricBaseInput, "name" | "code" | "aggregation_type">> & BillableMetricBaseInput): Promise<string>;
  upsertPlan(plan: PlanInput): Promise<"created" | "updated">;
}

/** At most this many invoices are read per listing (newest first). */
const invoicePageSize = 100;

export function lagoClient(config: LagoConfig, fetchImpl: typeof fetch = fetch): LagoClient {
  const timedFetch: typeof fetch = (input, init) => fetchImpl(input, { ...init, signal: AbortSignal.timeout(config.timeoutMs) });
  const api = Client(config.apiKey, { baseUrl: `${config.apiUrl}/api/v1`, customFetch: timedFetch });
  const run = async <T>(what: string, call: () => Promise<{ data: T }>): Promise<T> => {
    try {
      return (await call()).data;
    } catch (err) {
      throw toLagoError(err, what);
    }
  };
  return {
    async upsertCustomer(spaceId, name) {
      await run("create customer", () => api.customers.createCustomer({ customer: { external_id: spaceId, name } }));
    },
    async upsertSubscription(spaceId, planCode) {
      await run("create subscription", () =>
        api.subscriptions.createSubscription({ subscription: { external_customer_id: spaceId, external_id: spaceId, plan_code: planCode, billing_time: "calendar" } }),
      );
    },
    async sendUsage(usage, metricCode) {
      try {
        await run("send event", () => api.events.createEvent({ event: usageEvent(usage, metricCode) }));
        return "sent";
      } catch (err) {
        if (err instanceof LagoApiError && err.duplicateTransaction) return "duplicate";
        throw err;
      }
    },
    async currentUsage(spaceId) {
      const data = await run("current usage", () => api.customers.findCustomerCurrentUsage(spaceId, { external_subscription_id: spaceId }));
      return data.customer_usage;
    },
    async invoices(spaceId) {
      const data = await run("list invoices", () => api.invoices.findAllInvoices({ external_customer_id: spaceId, per_page: invoicePageSize, page: 1 }));
      return data.invoices;
    },
    async portalUrl(spaceId) {
      const data = await run("portal url", () => api.customers.getCustomerPortalUrl(spaceId));
      return data.customer.portal_url;
    },
    async upsertBillableMetric(metric) {
      // PUT first: a re-run of provisioning updates what an earlier run made; 404 → create.
      try {
        const updated = await run("update billable metric", () => api.billableMetrics.updateBillableMetric(metric.code, { billable_metric: metric }));
        return updated.billable_metric.lago_id;
      } catch (err) {
        if (!(err instanceof LagoApiError && err.notFound)) throw err;
      }
      const created = await run("create billable metric", () => api.billableMetrics.createBillableMetric({ billable_metric: metric }));
      return created.billable_metric.lago_id;
    },
    async upsertPlan(plan) {
      try {
        await run("update plan", () => api.plans.updatePlan(plan.code, { plan }));
        return "updated";
      } catch (err) {
        if (!(err instanceof LagoApiError && err.notFound)) throw err;
      }
      await run("create plan", () => api.plans.createPlan({ plan }));
      return "created";
    },
  };
}
