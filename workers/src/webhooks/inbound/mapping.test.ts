// The mapping of an inbound route on its own: RFC 6901 pointers (escapes, array indexes, misses),
// the number normalised to E.164, the variables typed as dispatch types a JSON body, and the key.
import { describe, expect, it } from "vitest";
import { VariablesSchema } from "@speaknode/contracts";
import { applyMapping, resolvePointer } from "./mapping.ts";

const schema = VariablesSchema.parse({
  properties: { name: { type: "string", default: "there" }, order_id: { type: "integer" }, vip: { type: "boolean", nullable: true } },
  required: ["order_id"],
});

describe("resolvePointer", () => {
  const doc = { "a/b": { "m~n": 1 }, list: [10, { x: "y" }], "": "empty key", zero: 0 };

  it("reads RFC 6901's escapes, array indexes and the whole document", () => {
    expect(resolvePointer(doc, "/a~1b/m~0n")).toEqual({ found: true, value: 1 });
    expect(resolvePointer(doc, "/list/1/x")).toEqual({ found: true, value: "y" });
    expect(resolvePointer(doc, "/")).toEqual({ found: true, value: "empty key" });
    expect(resolvePointer(doc, "/zero")).toEqual({ found: true, value: 0 });
    expect(resolvePointer(doc, "")).toEqual({ found: true, value: doc });
  });

  it("finds nothing past the end of an array, at a non-index, under a scalar or on the prototype", () => {
    for (const pointer of ["/list/2", "/list/01", "/list/-", "/zero/x", "/missing", "/toString", "no-slash"]) {
      expect(resolvePointer(doc, pointer), pointer).toEqual({ found: false });
    }
  });
});

describe("applyMapping", () => {
  it("normalises the number, types the variables, applies defaults and reads the key", () => {
    const body = { lead: { phone: "+33 6 12 34 56 78", order: 42, vip: null }, id: 9 };
    const mapped = applyMapping({ phoneNumber: "/lead/phone", variables: { order_id: "/lead/order", vip: "/lead/vip" }, idempotencyKey: "/id" }, body, { schema, needsPhone: true });
    expect(mapped).toEqual({ ok: true, phoneNumber: "+33612345678", variables: { name: "there", order_id: 42, vip: null }, idempotencyKey: "9", problems: [] });
  });

  it("lists every problem: the number, a wrong type, a missing required variable, an undeclared one and the key", () => {
    const mapped = applyMapping(
      { phoneNumber: "/phone", variables: { name: "/name", vip: "/vip", shoe: "/shoe" }, idempotencyKey: "/id" },
      { phone: "not a number", name: 7, vip: "yes" },
      { schema, needsPhone: true },
    );
    expect(mapped.ok).toBe(false);
    expect(mapped.problems.map((p) => p.field).sort()).toEqual(["idempotencyKey", "phoneNumber", "variables.name", "variables.order_id", "variables.shoe", "variables.vip"]);
  });

  it("does not read the body's key when the request sent one in a header, nor a number a dispatch does not dial", () => {
    const mapped = applyMapping({ variables: { order_id: "/o" }, idempotencyKey: "/missing" }, { o: 1 }, { schema, needsPhone: false, keyFromHeader: true });
    expect(mapped).toMatchObject({ ok: true, phoneNumber: null, idempotencyKey: null });
  });
});
