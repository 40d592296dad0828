// POST /v1/campaigns/{campaignId}/contacts: a contacts file (CSV or a JSON array) checked against
// the campaign's agent and mapping. A dry run (the default) only reports; dryRun=false creates
// the items, all or nothing. The body is read here as a stream, not by a validator: app.ts
// exempts this path from the API's 256 KiB body limit, and the 20 MB limit is applied while reading.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { campaignMaxItems, ContactsReport, ContactsUploadQuery, Problem, problemContentType } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError, problemBody } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadCampaign } from "../campaigns/store.ts";
import { contactsMaxBytes, ContactsFileError } from "../campaigns/contacts/file.ts";
import { uploadContacts } from "../campaigns/contacts/upload.ts";
import { CampaignParams } from "./params-telephony.ts";

/** A refused real upload: the problem, with the report of what was wrong. */
const ContactsProblem = Problem.extend({ report: ContactsReport.optional() }).meta({ id: "ContactsProblem" });

const flatValue = { type: ["string", "number", "boolean", "null"] as ("string" | "number" | "boolean" | "null")[] };

export const route = createRoute({
  method: "post",
  path: "/v1/campaigns/{campaignId}/contacts",
  tags: ["campaigns"],
  summary: `Upload contacts (Member): a CSV (header required; , ; or tab) or a JSON array of flat objects, up to ${campaignMaxItems} rows and ${contactsMaxBytes / 1024 / 1024} MB. dryRun=true (default) reports only; dryRun=false creates the items, all or nothing, while the campaign is a draft or paused`,
  security: bearerSecurity,
  request: {
    params: CampaignParams,
    query: ContactsUploadQuery,
    // Plain schemas, not zod: the handler reads the body as a stream itself.
    body: {
      required: true,
      description: "The contacts file",
      content: {
        "text/csv": { schema: { type: "string", description: "RFC 4180 CSV with a header line (UTF-8, BOM allowed)" } },
        "application/json": { schema: { type: "array", items: { type: "object", additionalProperties: flatValue } } },
      },
    },
  },
  responses: {
    200: jsonResponse(ContactsReport, "Dry run: what would be created, with the problems found"),
    201: jsonResponse(ContactsReport, "The items were created"),
    ...errorResponses,
    409: problemSpec("The campaign is not a draft or paused, or changed during the upload"),
    413: problemSpec(`Larger than ${contactsMaxBytes / 1024 / 1024} MB`),
    415: problemSpec("Not text/csv or application/json (UTF-8)"),
    422: { description: "Refused as a whole (no header, bad columns, mapping gaps, over the item limit) or, on a real upload, some rows are invalid (`report` lists them); nothing was created", content: { [problemContentType]: { schema: ContactsProblem } } },
  },
});

function fileError(err: ContactsFileError): ApiError {
  if (err.kind === "too_large") return new ApiError("payload_too_large", err.message);
  if (err.kind === "malformed") return new ApiError("malformed_request", err.message);
  return new ApiError("unprocessable_content", err.message);
}

export function registerCampaignsContacts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { campaignId } = c.req.valid("param");
    const { dryRun } = c.req.valid("query");
    const campaign = await loadCampaign(c, campaignId, "member");
    let result;
    try {
      result = await uploadContacts(c.get("db"), campaign, {
        contentType: c.req.header("content-type"),
        contentLength: c.req.header("content-length"),
        body: c.req.raw.body,
        dryRun: dryRun === "true",
      });
    } catch (err) {
      throw err instanceof ContactsFileError ? fileError(err) : err;
    }
    if (result.refused) {
      const problem = problemBody("unprocessable_content", c.get("requestId"), result.detail, undefined, new URL(c.req.url).pathname);
      return c.json({ ...problem, report: result.report }, 422, { "content-type": problemContentType });
    }
    return c.json(result.report, result.report.dryRun ? 200 : 201);
  });
}
