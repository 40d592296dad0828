// A small client of the campaigns API and the Twilio simulator's control API, shared by
// `npm run campaign:demo`, the campaign e2e test and the campaign benches: they drive a running
// stack exactly as a user's script would (HTTP + JSON/CSV), nothing in-process.
import type { Campaign, CampaignDetail, CampaignItem, CampaignItemDetail, ContactsReport, CreateCampaignBody } from "@speaknode/contracts";
import type { DialStats } from "../simulators/twilio/src/dials.ts";
import type { CallReport, PhoneBehaviour } from "../simulators/twilio/src/model.ts";
import { csvCell } from "../workers/src/campaigns/export.ts";

/** A request the API refused: the problem+json body is kept for the message. */
export class ApiRefused extends Error {
  override name = "ApiRefused";
  readonly status: number;
  readonly body: string;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 2000)}`);
    this.status = status;
    this.body = body;
  }
}

/** The create body as sent: every setting may be left to its default. */
export type CampaignInput = Partial<CreateCampaignBody> & Pick<CreateCampaignBody, "name" | "agentId" | "callerNumberIds">;

/** Statuses after which an item is never dialled again. */
export const finalItemStatuses = new Set(["completed", "failed", "skipped", "cancelled"]);

export interface CampaignClient {
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  create(spaceId: string, input: CampaignInput): Promise<Campaign>;
  uploadContacts(campaignId: string, csv: string, dryRun: boolean): Promise<ContactsReport>;
  launch(campaignId: string): Promise<Campaign>;
  get(campaignId: string): Promise<CampaignDetail>;
  /** Every item, following the cursor. */
  items(campaignId: string): Promise<CampaignItem[]>;
  item(campaignId: string, itemId: string): Promise<CampaignItemDetail>;
  itemsCsv(campaignId: string): Promise<string>;
}

export function campaignClient(base: string, token: () => string): CampaignClient {
  let cached: string | null = null;
  const bearer = () => (cached ??= token());
  async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const isText = typeof body === "string";
    return fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer()}`, ...(body === undefined ? {} : { "content-type": isText ? "text/csv" : "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: isText ? body : JSON.stringify(body) }),
    });
  }
  async function json<T>(method: string, path: string, body?: unknown, ok: number[] = [200, 201]): Promise<T> {
    const res = await request(method, path, body);
    const text = await res.text();
    if (!ok.includes(res.status)) throw new ApiRefused(method, path, res.status, text);
    return JSON.parse(text) as T;
  }
  return {
    request,
    create: (spaceId, input) => json<Campaign>("POST", `/v1/spaces/${spaceId}/campaigns`, input),
    uploadContacts: (id, csv, dryRun) => json<ContactsReport>("POST", `/v1/campaigns/${id}/contacts?dryRun=${dryRun}`, csv),
    launch: (id) => json<Campaign>("POST", `/v1/campaigns/${id}/launch`),
    get: (id) => json<CampaignDetail>("GET", `/v1/campaigns/${id}`),
    async items(id) {
      const all: CampaignItem[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: CampaignItem[]; nextCursor: string | null } = await json("GET", `/v1/campaigns/${id}/items?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        all.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
    item: (id, itemId) => json<CampaignItemDetail>("GET", `/v1/campaigns/${id}/items/${itemId}`),
    async itemsCsv(id) {
      const res = await request("GET", `/v1/campaigns/${id}/items.csv`);
      const text = await res.text();
      if (res.status !== 200) throw new ApiRefused("GET", `/v1/campaigns/${id}/items.csv`, res.status, text);
      return text;
    },
  };
}

/** RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  // RFC 4180 quoting as the export writes it; no formula guard: these cells are the test's own.
  return [header, ...rows].map((r) => r.map((v) => csvCell(v, false)).join(",")).join("\r\n") + "\r\n";
}

/** Calling windows that are open whatever the day and zone: a demo or a test runs now. */
export const alwaysOpen = [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }];

/** The Twilio simulator's control API (simulators/twilio/README.md). */
export interface SimControl {
  setPhone(number: string, behaviour: PhoneBehaviour): Promise<void>;
  calls(to?: string): Promise<CallReport[]>;
  dials(to?: string): Promise<DialStats[]>;
  setCreateCallLatency(ms: number): Promise<void>;
}

export function simControl(simUrl: string): SimControl {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${simUrl}/sim${path}`, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`the Twilio simulator refused ${method} /sim${path} (${res.status}): ${text}`);
    return JSON.parse(text);
  }
  const query = (to?: string) => (to ? `?to=${encodeURIComponent(to)}` : "");
  return {
    setPhone: async (number, behaviour) => void (await call("PUT", `/phones/${encodeURIComponent(number)}`, behaviour)),
    calls: async (to) => ((await call("GET", `/calls${query(to)}`)) as { calls: CallReport[] }).calls,
    dials: async (to) => ((await call("GET", `/dials${query(to)}`)) as { dials: DialStats[] }).dials,
    setCreateCallLatency: async (ms) => void (await call("PUT", "/config", { createCallLatencyMs: ms })),
  };
}

/**
 * Destinations the simulator saw more than one call to at the same moment (`maxLive` > 1, from its
 * own bookkeeping) — or, from its call list, two calls whose lifetimes overlapped.
 */
export function overlappingDestinations(dials: DialStats[], calls: CallReport[]): string[] {
  const bad = new Set(dials.filter((d) => d.maxLive > 1).map((d) => d.to));
  const byTo = new Map<string, CallReport[]>();
  for (const c of calls) if (c.direction === "outbound-api") byTo.set(c.to, [...(byTo.get(c.to) ?? []), c]);
  for (const [to, list] of byTo) {
    const sorted = [...list].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      const cur = sorted[i];
      if (prev && cur && (prev.endedAt === null || prev.endedAt > cur.createdAt)) bad.add(to);
    }
  }
  return [...bad];
}
