// The billing operations through the shared security suite: no credentials, wrong credentials,
// another space's space or invoice (the 404 of a made-up id), and the role each needs: plans are
// for signed-in users, their management for the platform Admin, a space's billing overview for its
// Members, its plan, invoices and payment portal for its Owners.
import { beforeAll } from "vitest";
import { newId } from "@speaknode/contracts";
import { invoices } from "@speaknode/db";
import { makeWorld, withDb, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";

let world: World;
let own = "";
let foreign = "";

/** A stored ledger statement of the space, as the ledger writes them at a period's close. */
async function statementOf(spaceId: string): Promise<string> {
  const id = newId("invoice");
  const periodStart = new Date(Date.UTC(2001, Math.floor(Math.random() * 12), 1));
  await withDb((db) =>
    db.insert(invoices).values({
      id,
      spaceId,
      source: "ledger",
      number: `SN-TEST-${id.slice(-10)}`,
      status: "open",
      periodStart,
      periodEnd: new Date(Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1)),
      currency: "USD",
      planName: "Pro",
      lines: [{ kind: "subscription", description: "Pro plan", quantity: "1", unit: "period", unitPrice: "49.00", amount: "49.00" }],
      total: "49",
      issuedAt: new Date(),
    }),
  );
  return id;
}

beforeAll(async () => {
  world = await makeWorld();
  own = await statementOf(world.spaceId);
  foreign = await statementOf(world.otherSpaceId);
}, 60_000);

const planBody = {
  code: "security-never-made",
  name: "Never made",
  price: "1",
  includedMinutes: 1,
  overagePricePerMinute: null,
  features: { telephony: false, campaigns: false, byoProviderKeys: false },
  limits: { agents: 1, phoneNumbers: 0, concurrentCalls: 1, campaigns: 0 },
};
const proPlan = "pln_00000000000000000000000002";
const perSpace = (method: string, suffix: string, need: RouteCase["need"], json?: unknown): RouteCase => ({
  name: `/v1/spaces/{id}${suffix}`,
  method,
  path: (w) => `/v1/spaces/${w.spaceId}${suffix}`,
  foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}${suffix}`,
  ...(json !== undefined ? { json } : {}),
  need,
});
const perInvoice = (suffix: string): RouteCase => ({
  name: `/v1/invoices/{id}${suffix}`,
  method: "GET",
  path: () => `/v1/invoices/${own}${suffix}`,
  foreignPath: () => `/v1/invoices/${foreign}${suffix}`,
  need: "owner",
});

const cases: RouteCase[] = [
  { name: "/v1/plans", method: "GET", path: () => "/v1/plans", need: "user" },
  { name: "/v1/admin/plans", method: "POST", path: () => "/v1/admin/plans", json: planBody, need: "admin" },
  { name: "/v1/admin/plans/{id}", method: "PATCH", path: () => "/v1/admin/plans/pln_0000000000000000000000zzzz", json: { archived: true }, need: "admin" },
  perSpace("GET", "/billing", "member"),
  perSpace("PUT", "/subscription", "owner", { planId: proPlan, effective: "period_end" }),
  perSpace("GET", "/invoices", "owner"),
  perSpace("POST", "/billing/portal", "owner"),
  perInvoice(""),
  perInvoice("/download"),
];

securitySuite(cases, () => world);
