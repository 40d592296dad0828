// What lib/openapi-document.ts decides for every operation of the served document: a unique
// camelCase operationId from the one table, explicit security, the 500 every operation can give,
// the 413 of every body limit, and this deployment as the server.
import { describe, expect, it } from "vitest";
import { call, origin } from "../../test/helpers.ts";
import { httpMethods } from "../lib/openapi-document.ts";
import { operationIds, publicOperations } from "../lib/operation-ids.ts";

type Op = Record<string, unknown> & { responses: Record<string, unknown> };
type Doc = { servers: { url: string }[]; paths: Record<string, Record<string, Op>>; webhooks: Record<string, Record<string, Op>> };

async function served(): Promise<{ doc: Doc; operations: [string, Op][]; webhooks: [string, Op][] }> {
  const doc = (await call("GET", "/openapi.json")).body as unknown as Doc;
  const list = (items: Record<string, Record<string, Op>>) =>
    Object.entries(items).flatMap(([path, item]) => httpMethods.flatMap((m) => (item[m] ? [[`${m.toUpperCase()} ${path}`, item[m]] as [string, Op]] : [])));
  return { doc, operations: list(doc.paths), webhooks: list(doc.webhooks) };
}

describe("the served document's operations", () => {
  it("each have a camelCase operationId from the table, none shared", async () => {
    const { operations, webhooks } = await served();
    const missing = operations.filter(([key]) => !operationIds[key]).map(([key]) => key);
    expect(missing, "operations without an entry in lib/operation-ids.ts").toEqual([]);
    const ids = [...operations, ...webhooks].map(([, op]) => String(op["operationId"]));
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("has no table entry for an operation that is not served", async () => {
    const { operations } = await served();
    const served_ = new Set(operations.map(([key]) => key));
    expect(Object.keys(operationIds).filter((key) => !served_.has(key))).toEqual([]);
    expect(Object.keys(publicOperations).filter((key) => !served_.has(key))).toEqual([]);
  });

  it("each say which credential they take: a scheme, or `[]` (or an optional scheme) only when listed as public", async () => {
    const { operations, webhooks } = await served();
    for (const [key, op] of operations) {
      const security = op["security"] as Record<string, string[]>[] | undefined;
      expect(security, key).toBeDefined();
      const takesNone = security?.length === 0 || security?.some((s) => Object.keys(s).length === 0);
      expect(takesNone, `${key}: public iff listed in publicOperations`).toBe(key in publicOperations);
    }
    for (const [key, op] of webhooks) expect(op["security"], key).toEqual([]);
  });

  it("each document the 500 of an unexpected failure, and a 413 when they take a body", async () => {
    const { operations } = await served();
    expect(operations.filter(([, op]) => !op.responses["500"]).map(([key]) => key)).toEqual([]);
    expect(operations.filter(([, op]) => op["requestBody"] && !op.responses["413"]).map(([key]) => key)).toEqual([]);
  });

  it("names the deployment it was fetched from as its server", async () => {
    const { doc } = await served();
    expect(doc.servers).toEqual([{ url: origin, description: expect.stringContaining("PUBLIC_URL") }]);
  });

  it("documents the links and sockets served outside the JSON API", async () => {
    const { operations } = await served();
    const keys = operations.map(([key]) => key);
    expect(keys).toEqual(expect.arrayContaining(["GET /live/sessions/{sessionId}", "GET /live/campaigns/{campaignId}", "GET /recordings/{sessionId}/{track}", "GET /transcripts/{sessionId}", "GET /invitations/accept"]));
    const live = operations.find(([key]) => key === "GET /live/sessions/{sessionId}")?.[1];
    expect(Object.keys(live?.responses ?? {})).toEqual(expect.arrayContaining(["101", "400", "401"]));
  });
});
