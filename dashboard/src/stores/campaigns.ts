// Campaigns of a space: the API calls every campaign page makes (checked with the contracts'
// schemas) and the list page's store. The list shows each campaign's progress from its summary's
// item counts by status (`progressSegments`, pure and tested without a DOM).
import { batch, signal } from "@preact/signals";
import { z } from "zod";
import {
  Campaign,
  CampaignDetail,
  CampaignItemDetail,
  CampaignItemPage,
  CampaignSummary,
  ContactsReport,
  type CampaignItemStatus,
  type CampaignOutcome,
  type CancelCampaignBody,
  type CreateCampaignBody,
  type UpdateCampaignBody,
} from "../../../packages/contracts/src/campaigns.ts";
import { RawBody, type Api } from "../api/client.ts";
import { formErrors } from "../ui/forms.ts";

/** A list row: the campaign and, when the API sends it, its summary counts. */
export const CampaignListItem = Campaign.extend({ summary: CampaignSummary.nullable().optional() });
export type CampaignListItem = z.infer<typeof CampaignListItem>;
const CampaignList = z.object({ data: z.array(CampaignListItem) });

const campaignPath = (campaignId: string) => `/v1/campaigns/${encodeURIComponent(campaignId)}`;

export interface ItemsFilter {
  status: CampaignItemStatus | "";
  outcome: CampaignOutcome | "";
  /** Digits typed in the phone search (sent from 3 digits on). */
  phone: string;
}

export const noItemsFilter: ItemsFilter = { status: "", outcome: "", phone: "" };

/** The items query for a filter: empty fields are left out, a phone search keeps its digits only. */
export function itemsQuery(filter: ItemsFilter, cursor: string | null, limit = 50): Record<string, string | number | undefined> {
  const digits = filter.phone.replace(/[^\d]/g, "");
  return {
    status: filter.status || undefined,
    outcome: filter.outcome || undefined,
    phone: digits.length >= 3 ? digits : undefined,
    cursor: cursor ?? undefined,
    limit,
  };
}

/** Every campaign call the pages make; each throws ApiProblem (problem+json) or ZodError. */
export function campaignsApi(api: Api) {
  return {
    list: async (spaceId: string) => (await api.json(CampaignList, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/campaigns`)).data,
    create: (spaceId: string, body: z.input<typeof CreateCampaignBody>) => api.json(Campaign, "POST", `/v1/spaces/${encodeURIComponent(spaceId)}/campaigns`, { body }),
    get: (campaignId: string) => api.json(CampaignDetail, "GET", campaignPath(campaignId)),
    update: (campaignId: string, body: z.input<typeof UpdateCampaignBody>) => api.json(Campaign, "PATCH", campaignPath(campaignId), { body }),
    remove: (campaignId: string) => api.empty("DELETE", campaignPath(campaignId)),
    launch: (campaignId: string) => api.json(Campaign, "POST", `${campaignPath(campaignId)}/launch`),
    pause: (campaignId: string) => api.json(Campaign, "POST", `${campaignPath(campaignId)}/pause`),
    resume: (campaignId: string) => api.json(Campaign, "POST", `${campaignPath(campaignId)}/resume`),
    cancel: (campaignId: string, mode: CancelCampaignBody["mode"]) => api.json(Campaign, "POST", `${campaignPath(campaignId)}/cancel`, { body: { mode } }),
    /** Sends a contacts file as it is (CSV or a JSON array); `dryRun` only validates and reports. */
    uploadContacts: (campaignId: string, file: ContactsFile, dryRun: boolean) =>
      api.json(ContactsReport, "POST", `${campaignPath(campaignId)}/contacts`, { body: new RawBody(file.content, file.contentType), query: { dryRun: String(dryRun) } }),
    items: (campaignId: string, filter: ItemsFilter, cursor: string | null) => api.json(CampaignItemPage, "GET", `${campaignPath(campaignId)}/items`, { query: itemsQuery(filter, cursor) }),
    item: (campaignId: string, itemId: string) => api.json(CampaignItemDetail, "GET", `${campaignPath(campaignId)}/items/${encodeURIComponent(itemId)}`),
    exportCsv: (campaignId: string) => api.download(`${campaignPath(campaignId)}/items.csv`),
  };
}

export type CampaignsApi = ReturnType<typeof campaignsApi>;

/** A chosen contacts file, read into memory (the API takes up to 20 MB). */
export interface ContactsFile {
  name: string;
  contentType: "text/csv" | "application/json";
  content: string;
  sizeBytes: number;
}

/** The content type to send a file with: by its extension first (browsers often give CSV no type). */
export function contactsContentType(fileName: string, browserType: string): ContactsFile["contentType"] | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".tsv") || lower.endsWith(".txt")) return "text/csv";
  if (lower.endsWith(".json")) return "application/json";
  if (browserType === "text/csv" || browserType === "text/plain" || browserType === "application/vnd.ms-excel") return "text/csv";
  if (browserType === "application/json") return "application/json";
  return null;
}

/** Item statuses in the order a progress bar shows them (done first, then what is still to come). */
export const progressOrder: CampaignItemStatus[] = ["completed", "failed", "skipped", "cancelled", "in_progress", "scheduled", "pending"];

export const itemStatusLabel: Record<CampaignItemStatus, string> = {
  pending: "Pending",
  scheduled: "Scheduled",
  in_progress: "Calling",
  completed: "Completed",
  failed: "Failed",
  skipped: "Skipped",
  cancelled: "Cancelled",
};

export const outcomeLabel: Record<CampaignOutcome, string> = {
  completed: "Reached",
  voicemail: "Voicemail",
  no_answer: "No answer",
  busy: "Busy",
  failed: "Failed",
  not_placed: "Not placed",
  cancelled: "Cancelled",
};

export interface ProgressSegment {
  status: CampaignItemStatus;
  count: number;
  /** Share of the total, 0–100. */
  percent: number;
}

/** The bar's segments: non-empty statuses in `progressOrder`, as shares of the total. */
export function progressSegments(byStatus: Partial<Record<CampaignItemStatus, number>>, total: number): ProgressSegment[] {
  const sum = Math.max(total, progressOrder.reduce((n, s) => n + (byStatus[s] ?? 0), 0));
  if (sum <= 0) return [];
  return progressOrder.filter((s) => (byStatus[s] ?? 0) > 0).map((status) => ({ status, count: byStatus[status] ?? 0, percent: ((byStatus[status] ?? 0) / sum) * 100 }));
}

/** Items that reached a final status, as a share (0–100) of all items. */
export function donePercent(byStatus: Partial<Record<CampaignItemStatus, number>>, total: number): number {
  if (total <= 0) return 0;
  const done = (byStatus.completed ?? 0) + (byStatus.failed ?? 0) + (byStatus.skipped ?? 0) + (byStatus.cancelled ?? 0);
  return Math.min(100, Math.round((done / total) * 100));
}

export type CampaignsListEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; campaigns: CampaignListItem[] }
  | { type: "failed"; spaceId: string; message: string };

export function createCampaignsListStore(api: Api) {
  const calls = campaignsApi(api);
  const store = {
    spaceId: signal<string | null>(null),
    campaigns: signal<CampaignListItem[]>([]),
    loading: signal(false),
    error: signal<string | null>(null),
  };
  async function load(spaceId: string): Promise<void> {
    applyCampaignsListEvent(store, { type: "loading", spaceId });
    try {
      applyCampaignsListEvent(store, { type: "loaded", spaceId, campaigns: await calls.list(spaceId) });
    } catch (err) {
      applyCampaignsListEvent(store, { type: "failed", spaceId, message: formErrors(err).message ?? "could not load the campaigns" });
    }
  }
  return { ...store, load, api: calls };
}

export type CampaignsListStore = ReturnType<typeof createCampaignsListStore>;
type ListState = Pick<CampaignsListStore, "spaceId" | "campaigns" | "loading" | "error">;

export function applyCampaignsListEvent(store: ListState, event: CampaignsListEvent): void {
  batch(() => {
    if (event.type === "loading") {
      // Never show one space's campaigns under another.
      if (store.spaceId.value !== event.spaceId) store.campaigns.value = [];
      store.spaceId.value = event.spaceId;
      store.loading.value = true;
      store.error.value = null;
      return;
    }
    if (store.spaceId.value !== event.spaceId) return;
    store.loading.value = false;
    if (event.type === "loaded") store.campaigns.value = [...event.campaigns].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    else store.error.value = event.message;
  });
}
