import { describe, expect, it } from "vitest";
import { minutesText, statementLines, type StatementPlan } from "./statement.ts";

const pro: StatementPlan = { name: "Pro", interval: "monthly", price: "49.0000", includedMinutes: 1000, overagePricePerMinute: "0.0500", rounding: "per_second" };
const perMinute: StatementPlan = { name: "Calls", interval: "monthly", price: "10.0000", includedMinutes: 100, overagePricePerMinute: "0.1000", rounding: "per_call_minute" };
const free: StatementPlan = { name: "Free", interval: "monthly", price: "0.0000", includedMinutes: 60, overagePricePerMinute: null, rounding: "per_call_minute" };

describe("statementLines", () => {
  it("bills the fee and the included minutes at 0.00 when usage stays within them", () => {
    const { lines, total } = statementLines(pro, 600 * 60 + 30);
    expect(lines).toEqual([
      { kind: "subscription", description: "Pro plan, monthly subscription", quantity: "1", unit: "period", unitPrice: "49.00", amount: "49.00" },
      { kind: "included_minutes", description: "Voice minutes included in the plan (600.5 of 1000 used)", quantity: "600.5", unit: "minute", unitPrice: "0.00", amount: "0.00" },
    ]);
    expect(total).toBe("49.00");
  });

  it("bills fractional overage minutes on a per-second plan", () => {
    // 1000 included minutes, then 61 seconds: 1.0167 minutes × 0.05 = 0.0508… → 0.05.
    const { lines, total } = statementLines(pro, 1000 * 60 + 61);
    expect(lines[1]).toMatchObject({ kind: "included_minutes", quantity: "1000", amount: "0.00" });
    expect(lines[2]).toEqual({ kind: "overage", description: "Voice minutes past the 1000 included", quantity: "1.0167", unit: "minute", unitPrice: "0.05", amount: "0.05" });
    expect(total).toBe("49.05");
    // 30 seconds past: 0.025 → 0.03 (half up).
    expect(statementLines(pro, 1000 * 60 + 30).lines[2]?.amount).toBe("0.03");
    expect(statementLines(pro, 1000 * 60 + 30).total).toBe("49.03");
  });

  it("rounds the overage to cents once, from the exact product", () => {
    // 0.0333 × 9 / 60 = 0.004995: 0.00 (rounding to 1e-4 first would give 0.0050 and then 0.01).
    const odd: StatementPlan = { ...pro, price: "0", includedMinutes: 1, overagePricePerMinute: "0.0333" };
    expect(statementLines(odd, 60 + 9).lines[2]?.amount).toBe("0.00");
    expect(statementLines(odd, 60 + 27).lines[2]?.amount).toBe("0.01");
    expect(statementLines(odd, 60 + 27).total).toBe("0.01");
  });

  it("bills whole overage minutes on a per-call-minute plan", () => {
    const { lines, total } = statementLines(perMinute, 103 * 60);
    expect(lines[2]).toMatchObject({ kind: "overage", quantity: "3", unitPrice: "0.10", amount: "0.30" });
    expect(total).toBe("10.30");
    // Seconds recorded under a per-second plan earlier in the period still bill whole minutes here.
    expect(statementLines(perMinute, 100 * 60 + 1).lines[2]).toMatchObject({ quantity: "1", amount: "0.10" });
  });

  it("gives a hard-stop plan no overage line, even for seconds past its minutes", () => {
    const { lines, total } = statementLines(free, 75 * 60);
    expect(lines.map((l) => l.kind)).toEqual(["subscription", "included_minutes"]);
    expect(lines[1]).toMatchObject({ quantity: "60", amount: "0.00" });
    expect(total).toBe("0.00");
  });

  it("has no overage line when nothing is past the included minutes", () => {
    expect(statementLines(pro, 1000 * 60).lines.map((l) => l.kind)).toEqual(["subscription", "included_minutes"]);
    expect(statementLines(pro, 0).lines[1]).toMatchObject({ quantity: "0", amount: "0.00" });
  });

  it("has no included line on a plan without included minutes, and bills every second", () => {
    const payg: StatementPlan = { ...pro, price: "0", includedMinutes: 0, overagePricePerMinute: "0.0200" };
    const { lines, total } = statementLines(payg, 90);
    expect(lines.map((l) => l.kind)).toEqual(["subscription", "overage"]);
    expect(lines[1]).toMatchObject({ quantity: "1.5", amount: "0.03" });
    expect(total).toBe("0.03");
  });

  it("refuses a negative or fractional number of seconds", () => {
    expect(() => statementLines(pro, -1)).toThrow(RangeError);
    expect(() => statementLines(pro, 1.5)).toThrow(RangeError);
  });
});

describe("minutesText", () => {
  it("writes whole minutes plainly and fractions to 4 decimals", () => {
    expect(minutesText(0)).toBe("0");
    expect(minutesText(120)).toBe("2");
    expect(minutesText(90)).toBe("1.5");
    expect(minutesText(61)).toBe("1.0167");
    expect(minutesText(1)).toBe("0.0167");
  });
});
