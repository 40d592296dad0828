// POST /v1/admin/billing/lago/provision: platform Admin only; with the local ledger there is no
// Lago to provision (409). What it sends Lago is tested against the simulator in
// billing/lago/contract.test.ts.
import { describe, expect, it } from "vitest";
import { call, newUser } from "../../test/helpers.ts";

describe("POST /v1/admin/billing/lago/provision", () => {
  it("refuses anyone but the platform Admin, and answers 409 while billing runs on the local ledger", async () => {
    expect((await call("POST", "/v1/admin/billing/lago/provision")).status).toBe(401);
    const user = await newUser();
    expect((await call("POST", "/v1/admin/billing/lago/provision", { token: user.token })).status).toBe(403);
    const admin = await newUser({ roles: ["platform-admin"] });
    const res = await call("POST", "/v1/admin/billing/lago/provision", { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(String(res.body["detail"])).toContain("BILLING_DRIVER=ledger");
  });
});
