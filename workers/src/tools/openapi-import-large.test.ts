import { describe, expect, it } from "vitest";
import { CreateToolBody, toolCodePattern } from "@speaknode/contracts";
import { twilioDocumentText } from "../routes/testing-openapi.ts";
import { stripeLikeDocument } from "./fixtures/stripe-like.ts";
import { importOpenApi, indexOpenApi, type ImportedTool } from "./openapi-import.ts";

function byCode(tools: ImportedTool[], code: string): ImportedTool {
  const tool = tools.find((t) => t.draft.code === code);
  if (!tool) throw new Error(`no tool ${code} among ${tools.map((t) => t.draft.code).join(", ")}`);
  return tool;
}

function expectReadableUniqueCodes(codes: string[]): void {
  expect(new Set(codes).size).toBe(codes.length);
  for (const code of codes) {
    expect(code).toMatch(toolCodePattern);
    expect(code, code).not.toMatch(/_\d+$/);
  }
}

describe("Twilio's real core API document (2.1 MB, 197 operations)", async () => {
  const doc = JSON.parse(await twilioDocumentText()) as Record<string, unknown>;
  const basic = { scheme: "accountSid_authToken", kind: "basic", name: "Authorization" };

  it("indexes all 197 operations with unique readable codes of at most 64 characters", () => {
    const { operations } = indexOpenApi(doc);
    expect(operations).toHaveLength(197);
    expectReadableUniqueCodes(operations.map((o) => o.code));
    expect(operations.find((o) => o.code === "create_call")).toEqual({ code: "create_call", method: "POST", path: "/2010-04-01/Accounts/{AccountSid}/Calls.json", summary: "Create a new outgoing call to phones, SIP-enabled endpoints or Twilio Client connections", tags: ["Api20100401Call"], deprecated: false });
  });

  it("imports CreateCall's form-encoded body as the tool's arguments, with HTTP basic credentials to fill in", () => {
    const { tools } = importOpenApi(doc, { codes: new Set(["create_call", "fetch_call"]) });
    expect(tools.map((t) => t.draft.code)).toEqual(["create_call", "fetch_call"]);
    const create = byCode(tools, "create_call");
    expect(create.draft).toMatchObject({ method: "POST", url: "https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls.json", bodyEncoding: "form", parameterStyles: {} });
    expect(create.draft.bodySchema?.required).toEqual(["AccountSid", "To", "From"]);
    expect(create.draft.bodySchema?.properties?.["StatusCallbackEvent"]).toMatchObject({ type: "array", items: { type: "string" } });
    expect(create.parameterLocations).toMatchObject({ AccountSid: "path", To: "body", From: "body", StatusCallbackEvent: "body", Url: "body" });
    expect(create.bodyProperty).toBeUndefined();
    expect(create.credentials).toEqual([basic]);
    expect(create.securityHints).toEqual(["Authorization"]);
    const fetch = byCode(tools, "fetch_call");
    expect(fetch.draft).toMatchObject({ method: "GET", bodyEncoding: "json", bodySchema: { required: ["AccountSid", "Sid"] } });
    expect(fetch.credentials).toEqual([basic]);
  });

  it("converts every operation into a valid draft, 62 of them form-encoded", () => {
    const { tools, warnings } = importOpenApi(doc);
    expect(tools).toHaveLength(197);
    for (const tool of tools) expect(CreateToolBody.safeParse(tool.draft).success, tool.draft.code).toBe(true);
    expect(tools.filter((t) => t.draft.bodyEncoding === "form")).toHaveLength(62);
    // Its only clash: an optional form field named like the path's AccountSid.
    expect(warnings).toEqual(["POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json: optional form fields AccountSid have the names of parameters; left out"]);
  });
});

describe("a generated Stripe-shaped document (400 operations, about 4 MB)", () => {
  const text = JSON.stringify(stripeLikeDocument(400));
  const doc = JSON.parse(text) as Record<string, unknown>;
  const index = indexOpenApi(doc);

  it("is the size the bench and the limits are about", () => {
    expect(text.length).toBeGreaterThan(3_500_000);
    expect(text.length).toBeLessThan(4_500_000);
    expect(index.operations).toHaveLength(400);
  });

  it("gives unique readable codes, shortening long ids by whole words", () => {
    expectReadableUniqueCodes(index.operations.map((o) => o.code));
    const code = (path: string, method = "POST"): string | undefined => index.operations.find((o) => o.path === path && o.method === method)?.code;
    expect(code("/v1/test_helpers/issuing/authorizations/{authorization}/finalize_amount")).toBe("post_test_helpers_issuing_authorizations_finalize_amount");
    expect(code("/v1/customers/{customer}/cash_balance_transactions/{transaction}/cancel")).toBe("post_customers_cash_balance_transactions_transaction_cancel");
    expect(code("/v1/customers")).toBe("post_customers");
  });

  it("converts only the selected operations: deepObject metadata and expand, the anyOf with an empty-string enum", () => {
    const codes = ["post_customers", "get_customers", "post_test_helpers_issuing_authorizations_finalize_amount"];
    const { tools, operations } = importOpenApi(doc, { codes });
    expect(operations).toBe(index.operations);
    expect(tools.map((t) => t.draft.code)).toEqual(["get_customers", "post_customers", "post_test_helpers_issuing_authorizations_finalize_amount"]);
    const deep = { style: "deepObject", explode: true, allowReserved: false };
    const create = byCode(tools, "post_customers");
    expect(create.draft.bodyEncoding).toBe("form");
    expect(create.draft.parameterStyles).toEqual({ expand: deep, metadata: deep, address: deep, items: deep });
    expect(create.draft.bodySchema?.properties?.["metadata"]?.anyOf).toEqual([{ type: "object", additionalProperties: { type: "string" } }, { type: "string", enum: [""] }]);
    expect(create.credentials).toEqual([
      { scheme: "basicAuth", kind: "basic", name: "Authorization", description: expect.stringMatching(/^Basic HTTP authentication/) },
      { scheme: "bearerAuth", kind: "bearer", name: "Authorization" },
    ]);
    const list = byCode(tools, "get_customers");
    expect(list.draft.bodyEncoding).toBe("json");
    expect(list.draft.parameterStyles).toEqual({ created: { style: "deepObject", explode: true, allowReserved: false }, expand: deep });
    expect(list.parameterLocations).toEqual({ created: "query", ending_before: "query", expand: "query", limit: "query", starting_after: "query" });
  });

  it("records deepObject for object-valued form fields of a body without an encoding object", () => {
    const paths = doc.paths as Record<string, { post?: { requestBody: { content: Record<string, { encoding?: unknown }> } } }>;
    const bare = Object.entries(paths).filter(([, item]) => item.post && item.post.requestBody.content["application/x-www-form-urlencoded"]?.encoding === undefined);
    const withoutEncoding = bare.map(([path]) => index.operations.find((o) => o.path === path && o.method === "POST")?.code ?? "");
    expect(withoutEncoding.length).toBeGreaterThan(10);
    const { tools } = importOpenApi(doc, { codes: withoutEncoding.slice(0, 3) });
    for (const tool of tools) {
      expect(tool.draft.parameterStyles).toEqual({ metadata: { style: "deepObject", explode: true, allowReserved: false }, address: { style: "deepObject", explode: true, allowReserved: false }, items: { style: "deepObject", explode: true, allowReserved: false } });
    }
  });
});
