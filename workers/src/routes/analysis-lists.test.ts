// Post-call analysis where sessions are listed: the sessions list filters on the analysis's status
// and verdict, a campaign's items carry their latest session's verdict, and the CSV export has
// the analysis's columns (status, passed, score, summary, one data.<field> column per field).
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb } from "../../test/helpers.ts";
import { seedSessions } from "../analytics/testing.ts";
import { completed, setAnalysis } from "../analytics/analysis-testing.ts";
import { campaignWorld, createDraft, insertItems } from "../campaigns/campaigns-testing.ts";

describe("sessions list: analysis filters", () => {
  it("filters on success=true|false and on the analysis status (old rows without one count as not configured), and shows the verdict", async () => {
    const w = await makeWorld();
    const base = { agentId: w.agentId, status: "completed" as const };
    const [passed = "", failed = "", pending = "", legacy = "", notConfigured = "", unevaluated = ""] = await seedSessions(w.spaceId, [
      { ...base, createdAt: "2026-04-01T10:00:00Z" },
      { ...base, createdAt: "2026-04-01T10:01:00Z" },
      { ...base, createdAt: "2026-04-01T10:02:00Z" },
      { ...base, createdAt: "2026-04-01T10:03:00Z" },
      { ...base, createdAt: "2026-04-01T10:04:00Z" },
      { ...base, createdAt: "2026-04-01T10:05:00Z" },
    ]);
    await setAnalysis(passed, completed(true));
    await setAnalysis(failed, completed(false));
    await setAnalysis(pending, { status: "pending" });
    await setAnalysis(legacy, { status: null });
    await setAnalysis(notConfigured, { status: "not_configured", reason: "no settings" });
    await setAnalysis(unevaluated, completed(null));
    const ids = async (query: string) => {
      const res = await call("GET", `/v1/spaces/${w.spaceId}/sessions${query}`, { token: w.member.token });
      expect(res.status).toBe(200);
      return (res.body.data ?? []).map((s) => s["id"]);
    };
    expect(await ids("?success=false")).toEqual([failed]);
    expect(await ids("?success=true")).toEqual([passed]);
    expect(await ids("?analysisStatus=completed")).toEqual([unevaluated, failed, passed]);
    expect(await ids("?analysisStatus=pending")).toEqual([pending]);
    expect(await ids("?analysisStatus=not_configured")).toEqual([notConfigured, legacy]);
    expect(await ids(`?analysisStatus=completed&success=false&agentId=${w.agentId}`)).toEqual([failed]);
    const res = await call("GET", `/v1/spaces/${w.spaceId}/sessions?success=false`, { token: w.apiKey });
    expect(res.body.data?.[0]?.["analysis"]).toEqual({ status: "completed", passed: false, score: null });
  });

  it("refuses an unknown status or a verdict other than true/false", async () => {
    const w = await makeWorld();
    for (const q of ["?analysisStatus=done", "?success=yes", "?success=1"]) {
      expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/sessions${q}`, { token: w.member.token }), 400, "validation_failed");
    }
  });

  it("never lists another space's sessions whatever the filter", async () => {
    const w = await makeWorld();
    const [other = ""] = await seedSessions(w.otherSpaceId, [{ agentId: w.otherAgentId, status: "completed", createdAt: "2026-04-01T10:00:00Z" }]);
    await setAnalysis(other, completed(false));
    const res = await call("GET", `/v1/spaces/${w.spaceId}/sessions?success=false`, { token: w.member.token });
    expect(res.body.data).toEqual([]);
    expectProblem(await call("GET", `/v1/spaces/${w.otherSpaceId}/sessions?success=false`, { token: w.member.token }), 404, "not_found");
  });
});

describe("campaign items: analysis", () => {
  it("lists each item's latest session's verdict (null without a session) in the page and the item", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const [s1 = "", s2 = ""] = await seedSessions(w.spaceId, [
      { agentId: w.agentId, status: "completed", createdAt: "2026-04-01T10:00:00Z" },
      { agentId: w.agentId, status: "completed", createdAt: "2026-04-01T10:01:00Z" },
    ]);
    await setAnalysis(s1, { status: "completed", result: { summary: "Booked.", data: {}, success: { passed: true, score: 9, reason: "booked" } } });
    await setAnalysis(s2, { status: "failed", reason: "the LLM did not answer" });
    const [i1 = ""] = await insertItems(draft.id, w.spaceId, [{ status: "completed", lastSessionId: s1 }, { status: "completed", lastSessionId: s2 }, {}]);
    const page = await call("GET", `/v1/campaigns/${draft.id}/items`, { token: w.member.token });
    expect(page.status).toBe(200);
    expect(page.body.data?.map((i) => i["lastAnalysis"])).toEqual([{ status: "completed", passed: true, score: 9 }, { status: "failed", passed: null, score: null }, null]);
    const one = await call("GET", `/v1/campaigns/${draft.id}/items/${i1}`, { token: w.member.token });
    expect(one.body["lastAnalysis"]).toEqual({ status: "completed", passed: true, score: 9 });
  });

  it("exports the analysis columns and one data.<field> column per extracted field, formulas made inert", async () => {
    const w = await campaignWorld();
    const draft = await createDraft(w);
    const [s1 = "", s2 = ""] = await seedSessions(w.spaceId, [
      { agentId: w.agentId, status: "completed", createdAt: "2026-04-01T10:00:00Z" },
      { agentId: w.agentId, status: "completed", createdAt: "2026-04-01T10:01:00Z" },
    ]);
    await withDb((db) => db.update(sessions).set({ campaignId: draft.id }).where(inArray(sessions.id, [s1, s2])));
    await setAnalysis(s1, completed(true, { reason: "order", booked: true, amount: 12.5 }, "Ordered, \"fine\""));
    await setAnalysis(s2, completed(false, { reason: "=cmd()" }, "Hung up"));
    await insertItems(draft.id, w.spaceId, [
      { status: "completed", lastSessionId: s1, variables: { customer_name: "Ada" } },
      { status: "completed", lastSessionId: s2, variables: { customer_name: "Bob" } },
      { lastSessionId: newId("session"), variables: { customer_name: "Cy" } },
    ]);
    const res = await call("GET", `/v1/campaigns/${draft.id}/items.csv`, { token: w.member.token });
    expect(res.status).toBe(200);
    const lines = res.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "row,phone,status,attempts,last_outcome,last_error,last_session_id,session_url,analysis_status,analysis_passed,analysis_score,analysis_summary,data.amount,data.booked,data.reason,customer_name",
    );
    const tail = (line: string | undefined) => (line ?? "").split(",").slice(8).join(",");
    expect(tail(lines[1])).toBe('completed,true,,"Ordered, ""fine""",12.5,true,order,Ada');
    expect(tail(lines[2])).toBe("completed,false,,Hung up,,,'=cmd(),Bob");
    expect(tail(lines[3])).toBe(",,,,,,,Cy");
  });
});
