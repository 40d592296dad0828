import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../test/helpers.ts";
import { demoOrder } from "./dev-shop.ts";

describe("the demo shop of the embedded default", () => {
  it("answers the same status for the same order, whatever the digit order", async () => {
    const res = await call("GET", "/dev/demo-shop/orders/42");
    expect(res.status).toBe(200);
    expect(res.body).toEqual(demoOrder("42"));
    expect(demoOrder("42").status).toBe(demoOrder("24").status);
    expect(new Set(["1", "2", "3", "4"].map((id) => demoOrder(id).status)).size).toBe(4);
  });

  it("knows no orders that are not numbers", async () => {
    expectProblem(await call("GET", "/dev/demo-shop/orders/abc"), 404, "not_found");
  });
});
