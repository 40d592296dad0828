// The platform Admin's plans: every plan, archived ones included; create one, edit one (only what
// changed is sent), archive or restore it. The form holds text (numbers, money, limits where empty
// means "unlimited" and an empty overage price means "no overage"); the API's own schemas turn it
// into the request, so the form shows the same field errors the API would answer, keyed like the
// API's `errors[]` (`limits.agents`, `price`).
import { batch, signal } from "@preact/signals";
import { z } from "zod";
import { CreatePlanBody, Plan, UpdatePlanBody, type BillingInterval, type PlanFeatures, type PlanLimits, type RoundingRule } from "../../../packages/contracts/src/billing.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage, type Api } from "../api/client.ts";

export interface PlanDraft {
  code: string;
  name: string;
  description: string;
  currency: string;
  interval: BillingInterval;
  price: string;
  includedMinutes: string;
  /** Empty: no overage (a hard stop). */
  overagePricePerMinute: string;
  rounding: RoundingRule;
  features: PlanFeatures;
  /** Empty: unlimited. */
  limits: Record<keyof PlanLimits, string>;
}

export const limitKeys = ["agents", "phoneNumbers", "concurrentCalls", "campaigns"] as const satisfies readonly (keyof PlanLimits)[];

export function emptyPlanDraft(): PlanDraft {
  return {
    code: "",
    name: "",
    description: "",
    currency: "USD",
    interval: "monthly",
    price: "",
    includedMinutes: "",
    overagePricePerMinute: "",
    rounding: "per_call_minute",
    features: { telephony: true, campaigns: false, byoProviderKeys: false },
    limits: { agents: "", phoneNumbers: "", concurrentCalls: "", campaigns: "" },
  };
}

export function planDraftOf(plan: Plan): PlanDraft {
  const limit = (n: number | null) => (n === null ? "" : String(n));
  return {
    code: plan.code,
    name: plan.name,
    description: plan.description,
    currency: plan.currency,
    interval: plan.interval,
    price: plan.price,
    includedMinutes: String(plan.includedMinutes),
    overagePricePerMinute: plan.overagePricePerMinute ?? "",
    rounding: plan.rounding,
    features: { ...plan.features },
    limits: { agents: limit(plan.limits.agents), phoneNumbers: limit(plan.limits.phoneNumbers), concurrentCalls: limit(plan.limits.concurrentCalls), campaigns: limit(plan.limits.campaigns) },
  };
}

/** A whole number typed, NaN for other text (the schema names it), null when empty. */
const countOf = (text: string): number | null => (text.trim() === "" ? null : /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);

/** The draft as the API's body, before its schema: text trimmed, empty optional values null. */
function rawBody(d: PlanDraft) {
  return {
    code: d.code.trim(),
    name: d.name,
    description: d.description,
    currency: d.currency.trim().toUpperCase(),
    interval: d.interval,
    price: d.price.trim(),
    includedMinutes: countOf(d.includedMinutes) ?? Number.NaN,
    overagePricePerMinute: d.overagePricePerMinute.trim() === "" ? null : d.overagePricePerMinute.trim(),
    rounding: d.rounding,
    features: d.features,
    limits: { agents: countOf(d.limits.agents), phoneNumbers: countOf(d.limits.phoneNumbers), concurrentCalls: countOf(d.limits.concurrentCalls), campaigns: countOf(d.limits.campaigns) },
  };
}

/** Throws the schema's ZodError (every issue, by field) before anything is sent. */
export function createPlanBodyFrom(draft: PlanDraft): CreatePlanBody {
  const raw = rawBody(draft);
  if (Number.isNaN(raw.includedMinutes)) throw new z.ZodRealError([{ code: "custom", path: ["includedMinutes"], message: "must be a whole number of minutes", input: draft.includedMinutes }]);
  return CreatePlanBody.parse(raw);
}

/** The PATCH body: only the fields that differ from the plan (null when nothing changed). */
export function updatePlanBodyFrom(plan: Plan, draft: PlanDraft): UpdatePlanBody | null {
  const raw = rawBody(draft);
  const changed: Record<string, unknown> = {};
  const current: Record<string, unknown> = { ...plan };
  for (const key of ["name", "description", "currency", "interval", "price", "includedMinutes", "overagePricePerMinute", "rounding", "features", "limits"] as const) {
    const was = key === "price" || key === "overagePricePerMinute" ? normalMoney(current[key]) : current[key];
    const now = key === "price" || key === "overagePricePerMinute" ? normalMoney(raw[key]) : raw[key];
    if (JSON.stringify(was) !== JSON.stringify(now)) changed[key] = raw[key];
  }
  if (Object.keys(changed).length === 0) return null;
  if (Number.isNaN(changed["includedMinutes"])) throw new z.ZodRealError([{ code: "custom", path: ["includedMinutes"], message: "must be a whole number of minutes", input: draft.includedMinutes }]);
  return UpdatePlanBody.parse(changed);
}

/** "49" and "49.00" are the same price: compare amounts, not their spelling. */
function normalMoney(v: unknown): unknown {
  return typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

export type AdminPlansEvent = { type: "loading" } | { type: "loaded"; plans: Plan[] } | { type: "saved"; plan: Plan } | { type: "failed"; error: string };

export function createAdminPlansStore(api: Api) {
  const store = { plans: signal<Plan[]>([]), loading: signal(false), error: signal<string | null>(null) };
  async function load(): Promise<void> {
    applyAdminPlansEvent(store, { type: "loading" });
    try {
      const { data } = await api.json(listOf(Plan), "GET", "/v1/plans", { query: { includeArchived: "true" } });
      applyAdminPlansEvent(store, { type: "loaded", plans: data });
    } catch (err) {
      applyAdminPlansEvent(store, { type: "failed", error: errorMessage(err) });
    }
  }
  async function create(draft: PlanDraft): Promise<Plan> {
    const plan = await api.json(Plan, "POST", "/v1/admin/plans", { body: createPlanBodyFrom(draft) });
    applyAdminPlansEvent(store, { type: "saved", plan });
    return plan;
  }
  /** Resolves the plan unchanged when the draft changes nothing (no request). */
  async function update(plan: Plan, draft: PlanDraft): Promise<Plan> {
    const body = updatePlanBodyFrom(plan, draft);
    return body ? patch(plan.id, body) : plan;
  }
  const setArchived = (planId: string, archived: boolean) => patch(planId, { archived });
  async function patch(planId: string, body: UpdatePlanBody): Promise<Plan> {
    const plan = await api.json(Plan, "PATCH", `/v1/admin/plans/${encodeURIComponent(planId)}`, { body });
    applyAdminPlansEvent(store, { type: "saved", plan });
    return plan;
  }
  return { ...store, load, create, update, setArchived };
}

export type AdminPlansStore = ReturnType<typeof createAdminPlansStore>;
type AdminPlansState = Pick<AdminPlansStore, "plans" | "loading" | "error">;

// Active plans first, then by price, then by name.
const byListOrder = (a: Plan, b: Plan) => Number(a.archived) - Number(b.archived) || Number(a.price) - Number(b.price) || a.name.localeCompare(b.name);

export function applyAdminPlansEvent(store: AdminPlansState, event: AdminPlansEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        store.loading.value = true;
        store.error.value = null;
        break;
      case "loaded":
        store.plans.value = [...event.plans].sort(byListOrder);
        store.loading.value = false;
        break;
      case "saved":
        store.plans.value = [...store.plans.value.filter((p) => p.id !== event.plan.id), event.plan].sort(byListOrder);
        break;
      case "failed":
        store.error.value = event.error;
        store.loading.value = false;
        break;
    }
  });
}
