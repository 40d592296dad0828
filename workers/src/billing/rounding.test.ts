import { describe, expect, it } from "vitest";
import { billableSeconds, rawSecondsOf } from "./rounding.ts";
import { addMoney, compareMoney, formatMoney, minuteCharge, plainMoney } from "./money.ts";

const at = (ms: number) => new Date(Date.UTC(2026, 11, 5, 12) + ms);

describe("billable seconds", () => {
  it("counts from Active to the end rounded up to whole seconds, never below zero", () => {
    expect(rawSecondsOf(at(0), at(0))).toBe(0);
    expect(rawSecondsOf(at(0), at(1))).toBe(1);
    expect(rawSecondsOf(at(0), at(1000))).toBe(1);
    expect(rawSecondsOf(at(0), at(1001))).toBe(2);
    expect(rawSecondsOf(at(0), at(59_999))).toBe(60);
    expect(rawSecondsOf(at(5000), at(0))).toBe(0);
  });

  it("rounds each call up to the whole minute per call, and leaves a zero-second call at zero", () => {
    expect(billableSeconds(0, "per_call_minute")).toBe(0);
    expect(billableSeconds(1, "per_call_minute")).toBe(60);
    expect(billableSeconds(60, "per_call_minute")).toBe(60);
    expect(billableSeconds(61, "per_call_minute")).toBe(120);
    expect(billableSeconds(3599, "per_call_minute")).toBe(3600);
  });

  it("leaves the seconds as they are per second", () => {
    expect(billableSeconds(0, "per_second")).toBe(0);
    expect(billableSeconds(61, "per_second")).toBe(61);
    expect(billableSeconds(3599, "per_second")).toBe(3599);
  });
});

describe("money", () => {
  it("adds decimal strings exactly, where floats would drift", () => {
    expect(addMoney("0.1", "0.2")).toBe("0.3000");
    expect(addMoney("49", "0.05", "1234.5678")).toBe("1283.6178");
    expect(addMoney()).toBe("0.0000");
  });

  it("charges per-second usage at a per-minute price to the 1e-4 unit, half up", () => {
    expect(minuteCharge("0.05", 60)).toBe("0.0500");
    expect(minuteCharge("0.05", 90)).toBe("0.0750");
    expect(minuteCharge("0.05", 1)).toBe("0.0008"); // 0.000833… → 0.0008
    expect(minuteCharge("0.03", 7)).toBe("0.0035"); // 0.0035 exactly
    expect(minuteCharge("0.0001", 30)).toBe("0.0001"); // 0.00005 → half up
    expect(minuteCharge("0.05", 0)).toBe("0.0000");
    expect(() => minuteCharge("0.05", 1.5)).toThrow(RangeError);
  });

  it("formats with the decimals asked for, half up, and plain amounts without trailing zeros past two", () => {
    expect(formatMoney("0.0750")).toBe("0.08");
    expect(formatMoney("0.0749")).toBe("0.07");
    expect(formatMoney("49")).toBe("49.00");
    expect(formatMoney("12.345", 0)).toBe("12");
    expect(plainMoney("49.0000")).toBe("49.00");
    expect(plainMoney("0.0500")).toBe("0.05");
    expect(plainMoney("0.0125")).toBe("0.0125");
    expect(plainMoney("0.1230")).toBe("0.123");
    expect(compareMoney("0.10", "0.1")).toBe(0);
    expect(compareMoney("0.09", "0.1")).toBe(-1);
    expect(() => addMoney("1e3")).toThrow(RangeError);
  });
});
