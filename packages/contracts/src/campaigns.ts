// API shapes of outbound campaigns: the campaign and its settings, the contact mapping and the
// upload report, items and their attempts, the summary, and the CampaignRunner's live protocol.
//
// Editing after launch (documented in the API and README): while running or paused only
// `name`, `callerNumberIds`, `endBy`, `windows`, `defaultTimeZone`, `maxConcurrentCalls`,
// `dialRatePerS` and `retry` may change (they apply to the next dial); the agent, the contact
// mapping, `startAt`, `maxDurationS`, `voicemail` and `allowDuplicates` are fixed at launch.
// A completed or cancelled campaign only takes a new name.
import { z } from "zod";
import { text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { VoicemailPolicy } from "./phone-settings.ts";
import { AnalysisStatus } from "./analysis.ts";
import { patchShape } from "./patch.ts";

export const CampaignStatus = z.enum(["draft", "running", "paused", "completed", "cancelled"]).meta({ id: "CampaignStatus" });
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const CampaignItemStatus = z.enum(["pending", "scheduled", "in_progress", "completed", "failed", "skipped", "cancelled"]).meta({ id: "CampaignItemStatus" });
export type CampaignItemStatus = z.infer<typeof CampaignItemStatus>;

/**
 * How one attempt ended. `completed`: a person talked with the agent; `voicemail`: a machine
 * answered; `no_answer`, `busy`, `failed`: the call did not connect (or broke); `not_placed`: the
 * provider or a limit refused the dial before any call existed (retried with backoff, not counted
 * against the retry policy); `cancelled`: the campaign was cancelled.
 */
export const CampaignOutcome = z.enum(["completed", "voicemail", "no_answer", "busy", "failed", "not_placed", "cancelled"]).meta({ id: "CampaignOutcome" });
export type CampaignOutcome = z.infer<typeof CampaignOutcome>;

/** An IANA time zone the platform's Intl knows ("Europe/Paris"). */
export const TimeZoneName = text()
  .min(1)
  .max(64)
  .refine((v) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: v });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/Paris or America/New_York")
  .meta({ example: "America/New_York" });

const ClockTime = text().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time of day as HH:MM (00:00 to 24:00)");

/** Hours on some days of the week, in the recipient's local time; `end` after `start`. */
export const CallingWindow = z
  .strictObject({
    /** ISO weekdays: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
    start: ClockTime,
    end: ClockTime,
  })
  .refine((w) => w.end > w.start, { message: "end must be after start", path: ["end"] })
  .meta({ id: "CallingWindow" });
export type CallingWindow = z.infer<typeof CallingWindow>;

/** Retries after one outcome: how many more calls (0 = none) and how long to wait before each. */
export const RetryRule = z
  .strictObject({
    attempts: z.number().int().min(0).max(10),
    backoffS: z.number().int().min(60).max(7 * 86_400),
  })
  .meta({ id: "RetryRule" });
export type RetryRule = z.infer<typeof RetryRule>;

export const RetryPolicy = z
  .strictObject({
    noAnswer: RetryRule.default({ attempts: 2, backoffS: 3600 }),
    busy: RetryRule.default({ attempts: 2, backoffS: 900 }),
    voicemail: RetryRule.default({ attempts: 1, backoffS: 7200 }),
    failed: RetryRule.default({ attempts: 1, backoffS: 1800 }),
  })
  .meta({ id: "RetryPolicy" });
export type RetryPolicy = z.infer<typeof RetryPolicy>;

const campaignSettingsShape = {
  /** The space's numbers to call from, used in turn (a number at its limit is skipped). */
  callerNumberIds: z.array(idSchema("phoneNumber")).min(1).max(20),
  /** No call before this moment (null = as soon as launched). */
  startAt: Timestamp.nullable().default(null),
  /** No call after this moment; items still waiting are then skipped (null = no end). */
  endBy: Timestamp.nullable().default(null),
  /** When calls may be placed, in each recipient's local time. */
  windows: z.array(CallingWindow).min(1).max(14).default([{ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" }]),
  /** The zone for contacts whose zone is neither in the file nor known from their number. */
  defaultTimeZone: TimeZoneName.default("UTC"),
  /** Calls of this campaign live at once (the space's own limit applies on top). */
  maxConcurrentCalls: z.number().int().min(1).max(100).default(5),
  /** New calls per second, per provider connection. */
  dialRatePerS: z.number().min(0.1).max(20).default(1),
  retry: RetryPolicy.default({
    noAnswer: { attempts: 2, backoffS: 3600 },
    busy: { attempts: 2, backoffS: 900 },
    voicemail: { attempts: 1, backoffS: 7200 },
    failed: { attempts: 1, backoffS: 1800 },
  }),
  /** Hang up after this long (default: the platform's session limit). */
  maxDurationS: z.number().int().min(10).max(4 * 3600).nullable().default(null),
  /** `inherit` = the agent's telephony.voicemail policy. */
  voicemail: z.union([z.literal("inherit"), VoicemailPolicy]).default("inherit"),
  /** Call a number that appears more than once in the campaign once per row. */
  allowDuplicates: z.boolean().default(false),
};

export const CampaignSettings = z.strictObject(campaignSettingsShape).meta({ id: "CampaignSettings" });
export type CampaignSettings = z.infer<typeof CampaignSettings>;

/** Settings that may still change while a campaign runs or is paused. */
export const campaignEditableWhileLive = ["callerNumberIds", "endBy", "windows", "defaultTimeZone", "maxConcurrentCalls", "dialRatePerS", "retry"] as const;

/** Which columns of the uploaded file hold what. Column names are matched exactly (after trimming). */
export const ContactMapping = z
  .strictObject({
    phoneColumn: text().trim().min(1).max(200),
    /** agent variable name → column name. */
    variables: z.record(text().max(100), text().trim().min(1).max(200)).default({}),
    /** A column holding each contact's IANA time zone; empty cells fall back. */
    timeZoneColumn: text().trim().min(1).max(200).nullable().default(null),
  })
  .meta({ id: "ContactMapping" });
export type ContactMapping = z.infer<typeof ContactMapping>;

export const CampaignName = text().trim().min(1, "must not be empty").max(200);

export const CreateCampaignBody = z
  .strictObject({
    name: CampaignName,
    agentId: idSchema("agent"),
    ...campaignSettingsShape,
    contactMapping: ContactMapping.nullable().default(null),
  })
  .meta({ id: "CreateCampaignBody" });
export type CreateCampaignBody = z.infer<typeof CreateCampaignBody>;

export const UpdateCampaignBody = z
  .strictObject({
    name: CampaignName.optional(),
    agentId: idSchema("agent").optional(),
    ...patchShape(campaignSettingsShape),
    contactMapping: ContactMapping.nullable().optional(),
    /** The version read (optimistic concurrency): a stale one is a 409. */
    version: z.number().int().min(1).optional(),
  })
  .meta({ id: "UpdateCampaignBody" });
export type UpdateCampaignBody = z.infer<typeof UpdateCampaignBody>;

export const CancelCampaignBody = z
  .strictObject({
    /** `finish`: live calls end on their own; `end_calls`: they are hung up now. */
    mode: z.enum(["finish", "end_calls"]).default("finish"),
  })
  .meta({ id: "CancelCampaignBody" });
export type CancelCampaignBody = z.infer<typeof CancelCampaignBody>;

/** Totals a campaign page shows. Durations and minutes count answered calls' talk time. */
export const CampaignSummary = z
  .object({
    total: z.number().int(),
    byStatus: z.record(CampaignItemStatus, z.number().int()),
    /** Items whose latest attempt a person answered (outcome completed). */
    reached: z.number().int(),
    completed: z.number().int(),
    voicemail: z.number().int(),
    noAnswer: z.number().int(),
    busy: z.number().int(),
    failed: z.number().int(),
    attempts: z.number().int(),
    averageDurationS: z.number().nullable(),
    minutesUsed: z.number(),
  })
  .meta({ id: "CampaignSummary" });
export type CampaignSummary = z.infer<typeof CampaignSummary>;

export const Campaign = z
  .object({
    id: idSchema("campaign"),
    spaceId: idSchema("space"),
    agentId: idSchema("agent"),
    /** Pinned at launch; null while a draft. */
    agentVersion: z.number().int().nullable(),
    name: text(),
    status: CampaignStatus,
    settings: CampaignSettings,
    contactMapping: ContactMapping.nullable(),
    cancelMode: z.enum(["finish", "end_calls"]).nullable(),
    itemCount: z.number().int(),
    version: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    launchedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  })
  .meta({ id: "Campaign" });
export type Campaign = z.infer<typeof Campaign>;

/** GET /v1/campaigns/{id}: the campaign, its summary and a live-progress URL (WebSocket, 10 minutes). */
export const CampaignDetail = Campaign.extend({ summary: CampaignSummary, eventsUrl: text() }).meta({ id: "CampaignDetail" });
export type CampaignDetail = z.infer<typeof CampaignDetail>;

export const CampaignAttempt = z
  .object({
    id: idSchema("campaignAttempt"),
    attemptNumber: z.number().int(),
    state: z.enum(["created", "dialing", "ended"]),
    sessionId: idSchema("session").nullable(),
    phoneNumberId: idSchema("phoneNumber").nullable(),
    outcome: CampaignOutcome.nullable(),
    error: text().nullable(),
    durationS: z.number().int().nullable(),
    createdAt: Timestamp,
    dialedAt: Timestamp.nullable(),
    endedAt: Timestamp.nullable(),
  })
  .meta({ id: "CampaignAttempt" });
export type CampaignAttempt = z.infer<typeof CampaignAttempt>;

export const CampaignItem = z
  .object({
    id: idSchema("campaignItem"),
    rowNumber: z.number().int(),
    /** E.164 */
    phone: text(),
    variables: z.record(text(), z.union([text(), z.number(), z.boolean(), z.null()])),
    timeZone: text().nullable(),
    status: CampaignItemStatus,
    attempts: z.number().int(),
    nextAttemptAt: Timestamp.nullable(),
    lastOutcome: CampaignOutcome.nullable(),
    lastError: text().nullable(),
    lastSessionId: idSchema("session").nullable(),
    /** The latest session's post-call analysis at a glance (null: no session yet). */
    lastAnalysis: z.object({ status: AnalysisStatus, passed: z.boolean().nullable(), score: z.number().int().nullable() }).nullable(),
    updatedAt: Timestamp,
  })
  .meta({ id: "CampaignItem" });
export type CampaignItem = z.infer<typeof CampaignItem>;

export const CampaignItemDetail = CampaignItem.extend({ attemptHistory: z.array(CampaignAttempt) }).meta({ id: "CampaignItemDetail" });
export type CampaignItemDetail = z.infer<typeof CampaignItemDetail>;

export const CampaignItemsQuery = z.strictObject({
  status: CampaignItemStatus.optional(),
  outcome: CampaignOutcome.optional(),
  /** Digits of the phone number (3 or more). */
  phone: text().regex(/^\+?\d{3,15}$/, "must be 3 to 15 digits").optional(),
  /** The previous page's nextCursor. */
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const CampaignItemPage = z.object({ data: z.array(CampaignItem), nextCursor: text().nullable() }).meta({ id: "CampaignItemPage" });

// ---- Contacts upload ------------------------------------------------------------------------------------

/** Where an upload's rows came from and what would be (or was) created. */
export const ContactRowError = z.object({
  /** 1 = the first data row (after the header). */
  row: z.number().int(),
  /** The column (or `variables.<name>`) at fault, when there is one. */
  field: text().nullable(),
  reason: text(),
});
export type ContactRowError = z.infer<typeof ContactRowError>;

export const ContactPreviewRow = z.object({
  row: z.number().int(),
  phone: text(),
  timeZone: text(),
  /** The variables as the agent receives them (typed by its variable schema). */
  variables: z.record(text(), z.union([text(), z.number(), z.boolean(), z.null()])),
  /** The agent's first message rendered with these variables (what the contact hears first). */
  greeting: text().nullable(),
});
export type ContactPreviewRow = z.infer<typeof ContactPreviewRow>;

export const ContactsReport = z
  .object({
    /** true: nothing was created (dryRun, or the file was refused). */
    dryRun: z.boolean(),
    format: z.enum(["csv", "json"]),
    /** The CSV separator found (`,` `;` or tab); null for JSON. */
    delimiter: text().nullable(),
    columns: z.array(text()),
    /** The mapping used: the campaign's, or one guessed from the column names when it has none. */
    mapping: ContactMapping,
    mappingGuessed: z.boolean(),
    totalRows: z.number().int(),
    validRows: z.number().int(),
    invalidRows: z.number().int(),
    /** Rows skipped because their number is already in the campaign (or earlier in the file). */
    duplicateRows: z.number().int(),
    /** Items created (0 on a dry run). */
    created: z.number().int(),
    /** The first rows as the agent will see them (up to 10). */
    preview: z.array(ContactPreviewRow),
    /** The first 200 problems; `invalidRows` and `duplicateRows` count them all. */
    errors: z.array(ContactRowError),
    duplicates: z.array(ContactRowError),
  })
  .meta({ id: "ContactsReport" });
export type ContactsReport = z.infer<typeof ContactsReport>;

export const ContactsUploadQuery = z.strictObject({
  /** true (default): validate and report only; false: create the items (all or nothing). */
  dryRun: z.enum(["true", "false"]).default("true"),
});

/** At most this many items per campaign (all uploads together). */
export const campaignMaxItems = 100_000;

// ---- Live progress (CampaignRunner WebSocket at /live/campaigns/{id}?token=…) ----------------------------

export const campaignProtocolVersion = 1;

export const CampaignLiveCall = z.object({
  attemptId: idSchema("campaignAttempt"),
  itemId: idSchema("campaignItem"),
  sessionId: idSchema("session").nullable(),
  /** Masked (+1 555 •••• 0199): the live view does not need the whole number. */
  phone: text(),
  attemptNumber: z.number().int(),
  startedAt: Timestamp,
});

export const CampaignRecentResult = z.object({
  attemptId: idSchema("campaignAttempt"),
  itemId: idSchema("campaignItem"),
  sessionId: idSchema("session").nullable(),
  phone: text(),
  attemptNumber: z.number().int(),
  outcome: CampaignOutcome,
  endedAt: Timestamp,
});

export const CampaignProgress = z
  .object({
    campaignId: idSchema("campaign"),
    status: CampaignStatus,
    total: z.number().int(),
    byStatus: z.record(CampaignItemStatus, z.number().int()),
    liveCalls: z.array(CampaignLiveCall),
    /** Calls started per minute over the last 5 minutes. */
    dialsPerMinute: z.number(),
    /** Seconds until every item is final at the current rate; null when unknown. */
    etaS: z.number().nullable(),
    /** Why nothing is dialling right now, when nothing is (outside windows, paused, at the space limit…). */
    waiting: text().nullable(),
    nextDialAt: Timestamp.nullable(),
    recent: z.array(CampaignRecentResult),
    updatedAt: Timestamp,
  })
  .meta({ id: "CampaignProgress" });
export type CampaignProgress = z.infer<typeof CampaignProgress>;

export const CampaignServerMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), protocolVersion: z.literal(campaignProtocolVersion), progress: CampaignProgress }),
  z.object({ type: z.literal("progress"), progress: CampaignProgress }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), code: z.enum(["bad_message"]), message: text() }),
]);
export type CampaignServerMessage = z.infer<typeof CampaignServerMessage>;

// ---- The Worker ↔ CampaignRunner RPC ------------------------------------------------------------------

/** A session of the campaign ended (sent by its SessionRoom; repeats change nothing). */
export const CampaignSessionEnded = z.strictObject({
  campaignId: idSchema("campaign"),
  attemptId: idSchema("campaignAttempt"),
  sessionId: idSchema("session"),
});
export type CampaignSessionEnded = z.infer<typeof CampaignSessionEnded>;
