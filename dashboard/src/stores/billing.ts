// A space's Billing page: its overview (plan, subscription, this period's usage, counts against the
// plan's limits), the plans an Owner may change to, the invoice history, plan changes (now or at
// the period's end), the payment provider's portal and statement downloads. Every member loads the
// overview; the plans and invoices are an Owner's (the API refuses Members). Errors are kept as the
// API's problem (status, code, request id) so the page can say exactly what was refused.
import { batch, signal } from "@preact/signals";
import { BillingOverview, BillingPortal, InvoiceList, Plan, Subscription, type ChangeSubscriptionBody, type Invoice } from "../../../packages/contracts/src/billing.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { ApiProblem, errorMessage, type Api } from "../api/client.ts";

/** An error as the page shows it: the API's words, and (for a problem) its status, code and request id. */
export interface ShownProblem {
  message: string;
  status: number | null;
  code: string | null;
  requestId: string | null;
}

export function shownProblem(err: unknown): ShownProblem {
  if (err instanceof ApiProblem) return { message: errorMessage(err), status: err.status, code: err.code, requestId: err.requestId };
  return { message: errorMessage(err), status: null, code: null, requestId: null };
}

export type BillingEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; overview: BillingOverview }
  | { type: "failed"; spaceId: string; problem: ShownProblem }
  | { type: "plans"; spaceId: string; plans: Plan[] }
  | { type: "invoices"; spaceId: string; invoices: Invoice[] }
  | { type: "invoicesFailed"; spaceId: string; problem: ShownProblem }
  | { type: "subscription"; spaceId: string; subscription: Subscription };

export function createBillingStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    overview: signal<BillingOverview | null>(null),
    plans: signal<Plan[]>([]),
    invoices: signal<Invoice[] | null>(null),
    loading: signal(false),
    problem: signal<ShownProblem | null>(null),
    invoicesProblem: signal<ShownProblem | null>(null),
  };
  const spacePath = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}`;

  /** The overview for everyone; with `manage` (an Owner) the plans and invoices too. */
  async function load(spaceId: string, manage: boolean): Promise<void> {
    applyBillingEvent(store, { type: "loading", spaceId });
    const overview = api.json(BillingOverview, "GET", `${spacePath(spaceId)}/billing`).then(
      (o) => applyBillingEvent(store, { type: "loaded", spaceId, overview: o }),
      (err: unknown) => applyBillingEvent(store, { type: "failed", spaceId, problem: shownProblem(err) }),
    );
    if (!manage) return overview;
    const plans = api.json(listOf(Plan), "GET", "/v1/plans").then(
      ({ data }) => applyBillingEvent(store, { type: "plans", spaceId, plans: data }),
      (err: unknown) => applyBillingEvent(store, { type: "failed", spaceId, problem: shownProblem(err) }),
    );
    await Promise.all([overview, plans, loadInvoices(spaceId)]);
  }

  async function loadInvoices(spaceId: string): Promise<void> {
    try {
      const { data } = await api.json(InvoiceList, "GET", `${spacePath(spaceId)}/invoices`);
      applyBillingEvent(store, { type: "invoices", spaceId, invoices: data });
    } catch (err) {
      applyBillingEvent(store, { type: "invoicesFailed", spaceId, problem: shownProblem(err) });
    }
  }

  /** Throws the API's problem (the page shows it by the picker); the overview is reloaded after. */
  async function changePlan(spaceId: string, body: Pick<ChangeSubscriptionBody, "planId" | "effective">): Promise<Subscription> {
    const subscription = await api.json(Subscription, "PUT", `${spacePath(spaceId)}/subscription`, { body });
    applyBillingEvent(store, { type: "subscription", spaceId, subscription });
    // Remaining minutes, limits and the projection follow the new plan: ask again rather than guess.
    const overview = await api.json(BillingOverview, "GET", `${spacePath(spaceId)}/billing`).catch(() => null);
    if (overview) applyBillingEvent(store, { type: "loaded", spaceId, overview });
    return subscription;
  }

  /** The payment provider's page for this space (Lago's customer portal). */
  async function portalUrl(spaceId: string): Promise<string> {
    return (await api.json(BillingPortal, "POST", `${spacePath(spaceId)}/billing/portal`)).url;
  }

  /** The statement's file (the ledger's printable HTML, or Lago's PDF) and the name to save it as. */
  async function download(invoice: Invoice): Promise<{ blob: Blob; filename: string }> {
    const { blob, filename } = await api.file(invoice.downloadUrl, "text/html, application/pdf");
    const ext = blob.type.includes("pdf") ? "pdf" : "html";
    return { blob, filename: filename ?? `${invoice.number}.${ext}` };
  }

  return { ...store, load, loadInvoices, changePlan, portalUrl, download };
}

export type BillingStore = ReturnType<typeof createBillingStore>;
type BillingState = Pick<BillingStore, "spaceId" | "overview" | "plans" | "invoices" | "loading" | "problem" | "invoicesProblem">;

export function applyBillingEvent(store: BillingState, event: BillingEvent): void {
  batch(() => {
    if (event.type === "loading") {
      // Another space's figures would mislead: they go at once.
      if (store.spaceId.value !== event.spaceId) {
        store.overview.value = null;
        store.plans.value = [];
        store.invoices.value = null;
      }
      store.spaceId.value = event.spaceId;
      store.loading.value = true;
      store.problem.value = null;
      store.invoicesProblem.value = null;
      return;
    }
    if (store.spaceId.value !== event.spaceId) return; // an answer for a space since left
    switch (event.type) {
      case "loaded":
        store.overview.value = event.overview;
        store.loading.value = false;
        return;
      case "failed":
        store.problem.value = event.problem;
        store.loading.value = false;
        return;
      case "plans":
        store.plans.value = event.plans;
        return;
      case "invoices":
        store.invoices.value = event.invoices;
        return;
      case "invoicesFailed":
        store.invoicesProblem.value = event.problem;
        return;
      case "subscription": {
        const o = store.overview.value;
        if (o) store.overview.value = { ...o, subscription: event.subscription };
        return;
      }
    }
  });
}
