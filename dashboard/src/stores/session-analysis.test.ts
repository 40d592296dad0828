import { describe, expect, it } from "vitest";
import { analysisView, verdictLabel } from "./session-analysis.ts";

const base = { reason: null, result: null, attempts: 0, model: null, completedAt: null };

describe("a session's analysis as the dashboard shows it", () => {
  it("says why there is no analysis when none is configured", () => {
    const v = analysisView({ ...base, status: "not_configured", reason: "Analysis needs a real LLM; this agent runs the offline scripted LLM." });
    expect(v).toMatchObject({ headline: "Analysis not configured", reason: "Analysis needs a real LLM; this agent runs the offline scripted LLM.", summary: null, data: [], verdict: null });
  });

  it("shows a failure with its attempts and reason, and a pending one without either", () => {
    expect(analysisView({ ...base, status: "failed", reason: "the LLM timed out", attempts: 3 })).toMatchObject({ headline: "Analysis failed after 3 attempts", reason: "the LLM timed out" });
    expect(analysisView({ ...base, status: "pending", reason: "stale" })).toMatchObject({ headline: "Analysis pending", reason: null });
  });

  it("lays out a completed analysis: summary, data rows, verdict with score and reason, and the model", () => {
    const v = analysisView({
      ...base,
      status: "completed",
      attempts: 1,
      model: "openai-compatible/gpt-test",
      result: { summary: "Asked for order 42.", data: { reason: "order", booked: false, items: 2 }, success: { passed: true, score: 8, reason: "answered" } },
    });
    expect(v.summary).toBe("Asked for order 42.");
    expect(v.data).toEqual([
      { field: "reason", value: "order" },
      { field: "booked", value: "no" },
      { field: "items", value: "2" },
    ]);
    expect(v.verdict).toEqual({ passed: true, label: "Passed 8", reason: "answered" });
    expect(v.model).toBe("openai-compatible/gpt-test");
  });

  it("labels verdicts for the lists, blank without an evaluation", () => {
    expect(verdictLabel({ passed: false, score: null })).toBe("Failed");
    expect(verdictLabel({ passed: null, score: null })).toBe("");
  });
});
