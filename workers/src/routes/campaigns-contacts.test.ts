// POST /v1/campaigns/{campaignId}/contacts through the whole Worker: CSV and JSON bodies, the
// mapping (the campaign's or guessed), per-row problems with row numbers, time zones, duplicates,
// all-or-nothing creation, the limits as problems, and who may upload to which campaign.
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { CampaignSettings, newId, type CampaignStatus, type ContactMapping } from "@speaknode/contracts";
import { campaignItems, campaigns } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

interface CampaignOptions {
  status?: CampaignStatus;
  mapping?: ContactMapping | null;
  allowDuplicates?: boolean;
  spaceId?: string;
  agentId?: string;
}

/** A campaign row written directly (the create route is another operation's business). */
async function campaign(o: CampaignOptions = {}): Promise<string> {
  const id = newId("campaign");
  const settings = CampaignSettings.parse({ callerNumberIds: [newId("phoneNumber")], allowDuplicates: o.allowDuplicates ?? false, defaultTimeZone: "UTC" });
  await withDb((db) =>
    db.insert(campaigns).values({
      id,
      spaceId: o.spaceId ?? world.spaceId,
      agentId: o.agentId ?? world.agentId,
      name: "Spring follow-up",
      status: o.status ?? "draft",
      settings,
      contactMapping: o.mapping ?? null,
    }),
  );
  return id;
}

function upload(campaignId: string, body: string, o: { type?: string; dryRun?: boolean; token?: string } = {}) {
  const query = o.dryRun === undefined ? "" : `?dryRun=${String(o.dryRun)}`;
  return call("POST", `/v1/campaigns/${campaignId}/contacts${query}`, { token: o.token ?? world.member.token, body, headers: { "content-type": o.type ?? "text/csv" } });
}

const items = (campaignId: string) => withDb((db) => db.select().from(campaignItems).where(eq(campaignItems.campaignId, campaignId)).orderBy(campaignItems.rowNumber));
const campaignRow = async (campaignId: string) => (await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, campaignId))))[0];

/** `n` distinct valid US numbers starting at `from`. */
const usPhones = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `+1415${String(2_000_000 + from + i)}`);

describe("POST /v1/campaigns/{campaignId}/contacts", () => {
  it("dry-runs a CSV with a BOM and CRLF, guessing the mapping, and previews the rows as the agent will see them", async () => {
    const id = await campaign();
    const csv = "\uFEFFPhone Number,customer_name,Order_ID,city\r\n+33 6 12 34 56 78,Zoé,42,Paris\r\n+1 (415) 555-0100,,7,SF\r\n";
    const res = await upload(id, csv);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true,
      format: "csv",
      delimiter: ",",
      columns: ["Phone Number", "customer_name", "Order_ID", "city"],
      mapping: { phoneColumn: "Phone Number", variables: { customer_name: "customer_name", order_id: "Order_ID" }, timeZoneColumn: null },
      mappingGuessed: true,
      totalRows: 2,
      validRows: 2,
      invalidRows: 0,
      duplicateRows: 0,
      created: 0,
      errors: [],
      duplicates: [],
    });
    expect(res.body["preview"]).toEqual([
      // France has one zone; the US several, so the campaign's default zone applies.
      { row: 1, phone: "+33612345678", timeZone: "Europe/Paris", variables: { customer_name: "Zoé", order_id: 42 }, greeting: "Hi Zoé!" },
      { row: 2, phone: "+14155550100", timeZone: "UTC", variables: { customer_name: "there", order_id: 7 }, greeting: "Hi there!" },
    ]);
    expect(await items(id)).toHaveLength(0);
  });

  it("reads quoted fields with line breaks and quotes, and ; or tab separators", async () => {
    const id = await campaign();
    const semi = await upload(id, 'phone;order_id;customer_name\n+14155550100;1;"Ann ""the boss""\nLee"\n+14155550101;2;"Bob; Jr"\n');
    expect(semi.status, semi.text).toBe(200);
    expect(semi.body).toMatchObject({ delimiter: ";", totalRows: 2, validRows: 2 });
    expect((semi.body["preview"] as { variables: unknown }[]).map((p) => p.variables)).toEqual([
      { customer_name: 'Ann "the boss"\nLee', order_id: 1 },
      { customer_name: "Bob; Jr", order_id: 2 },
    ]);
    const tab = await upload(id, "mobile\torder_id\n+14155550100\t3\n");
    expect(tab.body).toMatchObject({ delimiter: "\t", mapping: { phoneColumn: "mobile" }, validRows: 1 });
  });

  it("reports invalid phones and variables with their row numbers and columns", async () => {
    const id = await campaign();
    const csv = ["phone,order_id", "+14155550100,1", "12ab,2", "+14155550102,two", "+14155550103,", ",5", "+14155550105,6"].join("\n");
    const res = await upload(id, csv);
    expect(res.body).toMatchObject({ totalRows: 6, validRows: 2, invalidRows: 4 });
    expect(res.body["errors"]).toEqual([
      { row: 2, field: "phone", reason: expect.stringContaining("phone number") },
      { row: 3, field: "variables.order_id", reason: 'must be an integer, got "two"' },
      { row: 4, field: "variables.order_id", reason: "is required" },
      { row: 5, field: "phone", reason: "has no phone number" },
    ]);
  });

  it("takes the time zone from the tz column when valid, reports it when not, and else from a one-zone country", async () => {
    const id = await campaign();
    const csv = ["phone,order_id,TZ", "+14155550100,1,america/chicago", "+14155550101,2,Mars/Base", "+442071234567,3,", "+14155550103,4,"].join("\n");
    const res = await upload(id, csv);
    expect(res.body).toMatchObject({ mapping: { timeZoneColumn: "TZ" }, validRows: 3, invalidRows: 1 });
    expect(res.body["errors"]).toEqual([{ row: 2, field: "TZ", reason: expect.stringContaining("IANA time zone") }]);
    expect((res.body["preview"] as { timeZone: string }[]).map((p) => p.timeZone)).toEqual(["America/Chicago", "Europe/London", "UTC"]);
    const created = await upload(id, ["phone,order_id,TZ", "+14155550100,1,america/chicago", "+442071234567,3,", "+14155550103,4,"].join("\n"), { dryRun: false });
    expect(created.status, created.text).toBe(201);
    expect((await items(id)).map((i) => i.timeZone)).toEqual(["America/Chicago", "Europe/London", null]);
  });

  it("types JSON values by their own JSON type and reports values that are not flat", async () => {
    const id = await campaign();
    const res = await upload(id, JSON.stringify([{ phone: "+14155550100", order_id: 42, customer_name: "Ann" }, { phone: "+14155550101", order_id: "42" }, { phone: "+14155550102", order_id: 1, extra: { a: 1 } }]), { type: "application/json" });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ format: "json", delimiter: null, columns: ["phone", "order_id", "customer_name", "extra"], validRows: 1, invalidRows: 2 });
    expect(res.body["errors"]).toEqual([
      { row: 2, field: "variables.order_id", reason: 'must be an integer, got "42"' },
      { row: 3, field: "extra", reason: "must be a string, number, boolean or null" },
    ]);
  });

  it("skips numbers already in the campaign or earlier in the file, unless duplicates are allowed", async () => {
    const id = await campaign();
    expect((await upload(id, "phone,order_id\n+14155550100,1\n", { dryRun: false })).status).toBe(201);
    const csv = "phone,order_id\n+1 415 555 0100,2\n+14155550101,3\n+14155550101,4\n+14155550102,5\n";
    const res = await upload(id, csv, { dryRun: false });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ totalRows: 4, validRows: 2, duplicateRows: 2, created: 2 });
    expect(res.body["duplicates"]).toEqual([
      { row: 1, field: "phone", reason: "the number is already in the campaign" },
      { row: 3, field: "phone", reason: "the number is also on row 2" },
    ]);
    // Row numbers continue after the campaign's highest: 1, then this file's rows 2 and 4 → 3 and 5.
    expect((await items(id)).map((i) => [i.rowNumber, i.phone, i.status])).toEqual([
      [1, "+14155550100", "pending"],
      [3, "+14155550101", "pending"],
      [5, "+14155550102", "pending"],
    ]);
    expect(await campaignRow(id)).toMatchObject({ itemCount: 3, version: 3 });

    const allowed = await campaign({ allowDuplicates: true });
    const both = await upload(allowed, "phone,order_id\n+14155550100,1\n+14155550100,2\n", { dryRun: false });
    expect(both.body).toMatchObject({ validRows: 2, duplicateRows: 0, created: 2 });
  });

  it("creates nothing when any row is invalid, answering 422 with the report", async () => {
    const id = await campaign();
    const res = await upload(id, "phone,order_id\n+14155550100,1\n+14155550101,x\n", { dryRun: false });
    expectProblem(res, 422, "unprocessable_content");
    expect(res.body["report"]).toMatchObject({ dryRun: true, created: 0, validRows: 1, invalidRows: 1, errors: [{ row: 2, field: "variables.order_id" }] });
    expect(await items(id)).toHaveLength(0);
    expect(await campaignRow(id)).toMatchObject({ itemCount: 0, version: 1 });
  });

  it("uses the campaign's mapping and refuses columns the file lacks or a guess that misses what calls need", async () => {
    const mapped = await campaign({ mapping: { phoneColumn: "Cell", variables: { order_id: "Ref" }, timeZoneColumn: null } });
    const ok = await upload(mapped, "Cell,Ref\n+14155550100,9\n");
    expect(ok.body).toMatchObject({ mappingGuessed: false, validRows: 1, preview: [{ variables: { order_id: 9, customer_name: "there" } }] });
    const missing = await upload(mapped, "Cell,Reference\n+14155550100,9\n");
    expectProblem(missing, 422, "unprocessable_content");
    expect(String(missing.body["detail"])).toContain('"Ref"');

    const guessed = await campaign();
    const noOrder = await upload(guessed, "phone,name\n+14155550100,Ann\n", { dryRun: false });
    expectProblem(noOrder, 422, "unprocessable_content");
    expect(String(noOrder.body["detail"])).toContain("order_id");
    const noPhone = await upload(guessed, "who,order_id\nAnn,1\n");
    expectProblem(noPhone, 422, "unprocessable_content");
    expect(String(noPhone.body["detail"])).toContain("phone");
  });

  it("answers 413, 415 and 422 problems for oversized, other and empty bodies, and for a full campaign", async () => {
    const id = await campaign();
    expectProblem(await upload(id, `phone\n${"+14155550100\n".repeat(1_700_000)}`), 413, "payload_too_large");
    expectProblem(await upload(id, "phone\n+14155550100\n", { type: "text/plain" }), 415, "unsupported_media_type");
    expectProblem(await upload(id, "", {}), 422, "unprocessable_content");
    expectProblem(await upload(id, "phone,,x\n1,2,3\n"), 422, "unprocessable_content");
    await withDb((db) => db.update(campaigns).set({ itemCount: sql`99999` }).where(eq(campaigns.id, id)));
    const full = await upload(id, "phone,order_id\n+14155550100,1\n+14155550101,2\n");
    expectProblem(full, 422, "unprocessable_content");
    expect(String(full.body["detail"])).toContain("it has 99999 and this file adds 2");
  });

  it("is a 404 for another space's campaign and a 409 for a real upload to a running campaign", async () => {
    const theirs = await campaign({ spaceId: world.otherSpaceId, agentId: world.otherAgentId });
    expectProblem(await upload(theirs, "phone,order_id\n+14155550100,1\n"), 404, "not_found");
    const running = await campaign({ status: "running" });
    expectProblem(await upload(running, "phone,order_id\n+14155550100,1\n", { dryRun: false }), 409, "conflict");
    expect((await upload(running, "phone,order_id\n+14155550100,1\n")).status).toBe(200);
    const paused = await campaign({ status: "paused" });
    expect((await upload(paused, "phone,order_id\n+14155550100,1\n", { dryRun: false, token: world.apiKey })).status).toBe(201);
  });

  it("creates 100k items from one file", async () => {
    const id = await campaign();
    const csv = `phone,order_id,customer_name\n${usPhones(100_000).map((p, i) => `${p},${i},Name ${i}`).join("\n")}\n`;
    const t0 = Date.now();
    const res = await upload(id, csv, { dryRun: false });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    expect(res.body).toMatchObject({ totalRows: 100_000, validRows: 100_000, created: 100_000 });
    const [count] = await withDb((db) => db.select({ n: sql<number>`count(*)::int`, max: sql<number>`max(row_number)` }).from(campaignItems).where(eq(campaignItems.campaignId, id)));
    expect(count).toEqual({ n: 100_000, max: 100_000 });
    // The mapping guessed from the columns is the campaign's from now on (launch needs one).
    expect(await campaignRow(id)).toMatchObject({ itemCount: 100_000, contactMapping: { phoneColumn: "phone", variables: { order_id: "order_id", customer_name: "customer_name" }, timeZoneColumn: null } });
    console.log(`100k rows uploaded and created in ${Date.now() - t0} ms`);
  }, 60_000);
});
