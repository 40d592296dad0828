import { describe, expect, it, vi } from "vitest";
import { sessionVariables, variablesFromQuery } from "./variables.ts";

const accepts = [
  { name: "customer_name", type: "string" },
  { name: "order_id", type: "integer" },
  { name: "total", type: "number" },
  { name: "vip", type: "boolean" },
];

describe("URL variables", () => {
  it("types parameters by the agent's declared variables", () => {
    const warn = vi.fn();
    const search = `?customer_name=${encodeURIComponent("Иван")}&order_id=12345`;
    expect(variablesFromQuery(search, accepts, warn)).toEqual({ customer_name: "Иван", order_id: 12345 });
    expect(warn).not.toHaveBeenCalled();
  });

  it("parses numbers and booleans as the API does for query strings", () => {
    expect(variablesFromQuery("?total=4.5&vip=TRUE&order_id=42.0", accepts, vi.fn())).toEqual({ total: 4.5, vip: true, order_id: 42 });
    expect(variablesFromQuery("?vip=0", accepts, vi.fn())).toEqual({ vip: false });
  });

  it("drops an invalid value with a warning that names the variable but not the value", () => {
    const warn = vi.fn();
    expect(variablesFromQuery("?order_id=abc&customer_name=Ann", accepts, warn)).toEqual({ customer_name: "Ann" });
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]?.[0]);
    expect(message).toContain("order_id");
    expect(message).toContain("integer");
    expect(message).not.toContain("abc");
  });

  it("rejects what Number() would accept but the API does not", () => {
    const warn = vi.fn();
    expect(variablesFromQuery("?total=0x10&order_id=%2042&vip=yes", accepts, warn)).toEqual({});
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it("ignores parameters the agent does not accept", () => {
    const warn = vi.fn();
    expect(variablesFromQuery("?utm_source=ads&customer_name=Bo&__proto__=x", accepts, warn)).toEqual({ customer_name: "Bo" });
    expect(warn).not.toHaveBeenCalled();
  });

  it("keeps an empty string for a string variable", () => {
    expect(variablesFromQuery("?customer_name=", accepts, vi.fn())).toEqual({ customer_name: "" });
  });

  it("passes a type it does not know as text, for the API to judge", () => {
    expect(variablesFromQuery("?when=2024-01-01", [{ name: "when", type: "date" }], vi.fn())).toEqual({ when: "2024-01-01" });
  });

  it("lets configure() variables win over URL ones", () => {
    expect(sessionVariables({ customer_name: "Url", order_id: 1 }, { customer_name: "Configured", extra: true })).toEqual({ customer_name: "Configured", order_id: 1, extra: true });
    expect(sessionVariables({ a: "x" }, undefined)).toEqual({ a: "x" });
  });
});
