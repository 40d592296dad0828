// One contacts upload, from the request body to the report: the agent's configuration the items
// will run with, the file read as a stream, the mapping (the campaign's or a guess), every row
// checked, the campaign's item limit, and on a real upload the items created all or nothing.
import { eq } from "drizzle-orm";
import { campaignMaxItems, type ContactsReport } from "@speaknode/contracts";
import { agents, type Database } from "@speaknode/db";
import { ApiError, notFound } from "../../errors.ts";
import { configToRun } from "../../sessions/dispatch.ts";
import { mappingOf, settingsOf, type CampaignRow } from "../store.ts";
import { contactsMaxBytes, ContactsFileError, readCsv, readJson, type ContactsTable } from "./file.ts";
import { asMapping, checkMapping, guessGaps, guessMapping } from "./mapping.ts";
import { ContactRows } from "./rows.ts";
import { createItems, existingPhones, uploadableStatuses } from "./store.ts";
import { TimeZones } from "./time-zone.ts";

export interface UploadRequest {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: ReadableStream<Uint8Array> | null;
  dryRun: boolean;
}

/** `refused`: a real upload with invalid rows; nothing was created and the report says why. */
export type UploadResult = { refused: false; report: ContactsReport } | { refused: true; report: ContactsReport; detail: string };

function formatOf(contentType: string | undefined): "csv" | "json" {
  const [essence = "", ...params] = (contentType ?? "").split(";").map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") throw new ApiError("unsupported_media_type", "send the file as UTF-8");
  if (essence === "text/csv") return "csv";
  if (essence === "application/json") return "json";
  throw new ApiError("unsupported_media_type", "send the contacts as text/csv or application/json (an array of objects)");
}

/** The configuration the campaign's calls will run: the version pinned at launch, else the published one, else the draft. */
async function agentConfigOf(db: Database, campaign: CampaignRow) {
  const [agent] = await db.select().from(agents).where(eq(agents.id, campaign.agentId));
  if (!agent) throw notFound("agent");
  return configToRun(db, { agent: { ...agent, publishedVersion: campaign.agentVersion ?? agent.publishedVersion }, publishedOnly: false });
}

function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

export async function uploadContacts(db: Database, campaign: CampaignRow, req: UploadRequest): Promise<UploadResult> {
  if (!req.dryRun && !uploadableStatuses.includes(campaign.status)) {
    throw new ApiError("conflict", `contacts can be added while the campaign is a draft or paused; it is ${campaign.status}`);
  }
  const format = formatOf(req.contentType);
  const declared = Number(req.contentLength ?? "0");
  if (declared > contactsMaxBytes) throw new ContactsFileError("too_large", `the file is larger than ${contactsMaxBytes / 1024 / 1024} MB`);
  const settings = settingsOf(campaign);
  const [config, existing] = await Promise.all([agentConfigOf(db, campaign), settings.allowDuplicates ? new Set<string>() : existingPhones(db, campaign.id)]);

  const body = req.body ?? emptyBody();
  const table: ContactsTable = format === "csv" ? await readCsv(body) : await readJson(body);
  const schema = config.variables;
  let mapping = mappingOf(campaign);
  const mappingGuessed = mapping === null;
  if (mapping === null) {
    const guess = guessMapping(table.columns, schema);
    const gaps = guessGaps(guess, schema);
    mapping = asMapping(guess);
    if (mapping === null || (!req.dryRun && gaps.length > 0)) {
      throw new ContactsFileError("unprocessable", `the campaign has no contact mapping and the columns (${table.columns.join(", ")}) do not make one: ${gaps.join("; ")}`);
    }
  } else checkMapping(mapping, table.columns, schema);

  const locale = config.locales.find((l) => l.language === config.defaultLanguage) ?? config.locales[0];
  const rows = new ContactRows({
    columns: table.columns,
    mapping,
    schema,
    source: format === "csv" ? "string" : "json",
    firstMessage: locale?.firstMessage ?? "",
    defaultTimeZone: settings.defaultTimeZone,
    allowDuplicates: settings.allowDuplicates,
    existing,
    zones: new TimeZones(),
  });
  for await (const row of table.rows) {
    if (rows.totalRows >= campaignMaxItems) throw new ContactsFileError("unprocessable", `the file has more than ${campaignMaxItems} rows`);
    rows.add(row);
  }
  const total = campaign.itemCount + rows.validRows;
  if (total > campaignMaxItems) {
    throw new ContactsFileError("unprocessable", `a campaign has at most ${campaignMaxItems} contacts: it has ${campaign.itemCount} and this file adds ${rows.validRows} (${total})`);
  }

  const report: ContactsReport = {
    dryRun: true,
    format,
    delimiter: table.delimiter,
    columns: table.columns,
    mapping,
    mappingGuessed,
    totalRows: rows.totalRows,
    validRows: rows.validRows,
    invalidRows: rows.invalidRows,
    duplicateRows: rows.duplicateRows,
    created: 0,
    preview: rows.preview,
    errors: rows.errors,
    duplicates: rows.duplicates,
  };
  if (req.dryRun) return { refused: false, report };
  if (rows.invalidRows > 0) {
    return { refused: true, report, detail: `${rows.invalidRows} of ${rows.totalRows} rows are not valid; nothing was created (the report lists the first ${report.errors.length} problems)` };
  }
  const created = await createItems(db, campaign, rows.items, mappingGuessed ? { guessedMapping: mapping } : {});
  return { refused: false, report: { ...report, dryRun: false, created } };
}
