// The analytics charts' scale helpers without a DOM: round maxima and ticks, linear scales, day
// bands, stacks, gap-aware line paths and the labels on the axes.
import { describe, expect, it } from "vitest";
import { bands, formatCompact, formatDay, formatPercent, isolatedPoints, labelEvery, linePath, niceMax, niceTicks, scaleLinear, stack } from "./chart-scale.ts";

describe("chart scales", () => {
  it("rounds an axis maximum up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect([0, -3, Number.NaN].map(niceMax)).toEqual([1, 1, 1]);
    expect([1, 1.2, 3, 7, 10, 11, 240, 251, 0.07].map(niceMax)).toEqual([1, 2, 5, 10, 10, 20, 250, 500, 0.1]);
  });

  it("makes even round ticks from zero past the maximum", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it("maps a domain linearly onto a range, upside down for SVG's y", () => {
    const y = scaleLinear([0, 100], [180, 10]);
    expect([y(0), y(50), y(100)]).toEqual([180, 95, 10]);
    expect(scaleLinear([5, 5], [0, 1])(5)).toBe(0);
  });

  it("splits the width into one padded band per day", () => {
    const b = bands(4, 0, 400, 0.2);
    expect(b.width).toBe(80);
    expect([b.x(0), b.center(0), b.x(3), b.center(3)]).toEqual([10, 50, 310, 350]);
    expect(bands(0, 0, 400).width).toBe(0);
  });

  it("stacks values from zero, ignoring negatives", () => {
    expect(stack([2, 0, 3, -1])).toEqual([
      { y0: 0, y1: 2 },
      { y0: 2, y1: 2 },
      { y0: 2, y1: 5 },
      { y0: 5, y1: 5 },
    ]);
  });

  it("breaks a line at days without a value and finds the points left alone", () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(linePath([p(0, 10), p(10, 5.55), null, p(30, 1), p(40, 2)])).toBe("M0 10 L10 5.6 M30 1 L40 2");
    expect(linePath([null, null])).toBe("");
    expect(isolatedPoints([1, null, 3, null, 5, 6])).toEqual([0, 2]);
    expect(isolatedPoints([null, 2, null])).toEqual([1]);
  });

  it("labels days and numbers for the axes", () => {
    expect(formatDay("2026-11-03")).toBe("Nov 3");
    expect(formatDay("2026-01-31")).toBe("Jan 31");
    expect(labelEvery(7, 8)).toBe(1);
    expect(labelEvery(30, 8)).toBe(4);
    expect(labelEvery(90, 8)).toBe(12);
    expect([formatCompact(0), formatCompact(0.25), formatCompact(1500), formatCompact(2_000_000)]).toEqual(["0", "0.25", "1.5k", "2M"]);
    expect([formatPercent(0.125), formatPercent(null), formatPercent(1, 0)]).toEqual(["12.5%", "—", "100%"]);
  });
});
