// Campaign API answers for the dashboard's unit tests (valid for the contracts' schemas, which the
// API client checks every response with).
import type { Campaign, CampaignDetail, CampaignProgress, ContactsReport } from "../../../packages/contracts/src/campaigns.ts";
import { CampaignSettings } from "../../../packages/contracts/src/campaigns.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";

export const fixtureAt = "2026-12-04T10:00:00.000Z";
export const fixtureSpaceId = newId("space");
export const fixtureAgentId = newId("agent");
export const fixtureNumberId = newId("phoneNumber");

export function campaignFixture(over: Partial<Campaign> = {}): Campaign {
  return {
    id: newId("campaign"),
    spaceId: fixtureSpaceId,
    agentId: fixtureAgentId,
    agentVersion: null,
    name: "Renewals",
    status: "draft",
    settings: CampaignSettings.parse({ callerNumberIds: [fixtureNumberId] }),
    contactMapping: null,
    cancelMode: null,
    itemCount: 0,
    version: 1,
    createdAt: fixtureAt,
    updatedAt: fixtureAt,
    launchedAt: null,
    endedAt: null,
    ...over,
  };
}

export const emptyByStatus = { pending: 0, scheduled: 0, in_progress: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0 };

export function detailFixture(c: Campaign, eventsUrl = "ws://127.0.0.1/live/campaigns/x?token=t1"): CampaignDetail {
  return {
    ...c,
    summary: { total: c.itemCount, byStatus: { ...emptyByStatus, pending: c.itemCount }, reached: 0, completed: 0, voicemail: 0, noAnswer: 0, busy: 0, failed: 0, attempts: 0, averageDurationS: null, minutesUsed: 0 },
    eventsUrl,
  };
}

export function reportFixture(over: Partial<ContactsReport> = {}): ContactsReport {
  return {
    dryRun: true,
    format: "csv",
    delimiter: ",",
    columns: ["phone", "first_name", "tz"],
    mapping: { phoneColumn: "phone", variables: { customer_name: "first_name" }, timeZoneColumn: null },
    mappingGuessed: true,
    totalRows: 3,
    validRows: 2,
    invalidRows: 1,
    duplicateRows: 0,
    created: 0,
    preview: [{ row: 1, phone: "+15555550101", timeZone: "America/New_York", variables: { customer_name: "Ada" }, greeting: "Hello Ada" }],
    errors: [{ row: 3, field: "phone", reason: "not a phone number" }],
    duplicates: [],
    ...over,
  };
}

export function progressFixture(campaignId: string, over: Partial<CampaignProgress> = {}): CampaignProgress {
  return {
    campaignId,
    status: "running",
    total: 4,
    byStatus: { ...emptyByStatus, pending: 3, in_progress: 1 },
    liveCalls: [],
    dialsPerMinute: 1,
    etaS: 240,
    waiting: null,
    nextDialAt: null,
    recent: [],
    updatedAt: fixtureAt,
    ...over,
  };
}
