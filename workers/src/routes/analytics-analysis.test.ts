// GET /v1/spaces/{spaceId}/analytics/analysis: success by day and agent over completed analyses,
// and counts of the enum fields' values of each agent's current settings.
import { beforeAll, describe, expect, it } from "vitest";
import { AnalysisAnalytics, maxAnalyticsDays } from "@speaknode/contracts";
import { call, expectProblem, makeWorld, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { addDays } from "../analytics/days.ts";
import { seedSessions } from "../analytics/testing.ts";
import { completed, setAgentAnalysis, setAnalysis } from "../analytics/analysis-testing.ts";

const d1 = "2026-04-10";
const d2 = "2026-04-11";

let w: World;
let agentB: string;

beforeAll(async () => {
  w = await makeWorld();
  const b = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ name: "Booking agent" }) });
  agentB = String(b.body["id"]);
  await setAgentAnalysis(w.agentId, {
    structuredData: { type: "object", properties: { reason: { type: "string", enum: ["order", "refund", "other"] }, notes: { type: "string" }, booked: { type: "boolean" } }, required: [] },
  });
  const at = (day: string, h: number) => ({ status: "completed" as const, createdAt: `${day}T${String(h).padStart(2, "0")}:00:00Z` });
  const [a1 = "", a2 = "", a3 = "", a4 = "", b1 = "", p1 = "", n1 = "", f1 = ""] = await seedSessions(w.spaceId, [
    { agentId: w.agentId, ...at(d1, 9) },
    { agentId: w.agentId, ...at(d1, 10) },
    { agentId: w.agentId, ...at(d1, 23) },
    { agentId: w.agentId, ...at(d2, 1) },
    { agentId: agentB, ...at(d1, 12) },
    { agentId: w.agentId, ...at(d1, 13) },
    { agentId: w.agentId, ...at(d1, 14) },
    { agentId: w.agentId, ...at(d1, 15) },
  ]);
  await setAnalysis(a1, completed(true, { reason: "order", notes: "order 42", booked: true }));
  await setAnalysis(a2, completed(false, { reason: "refund", notes: "refund" }));
  await setAnalysis(a3, completed(true, { reason: "order" }));
  // Completed without a success evaluation: analysed, not evaluated.
  await setAnalysis(a4, completed(null, { reason: "something else entirely" }));
  await setAnalysis(b1, completed(false, { reason: "order" }));
  // Not completed: none of these count.
  await setAnalysis(p1, { status: "pending" });
  await setAnalysis(n1, { status: "not_configured", reason: "no settings" });
  await setAnalysis(f1, { status: "failed", reason: "the LLM did not answer" });
  // Another space's analysed session never shows.
  const [other = ""] = await seedSessions(w.otherSpaceId, [{ agentId: w.otherAgentId, ...at(d1, 9) }]);
  await setAnalysis(other, completed(true, { reason: "order" }));
});

const get = (query: string, token = w.member.token) => call("GET", `/v1/spaces/${w.spaceId}/analytics/analysis${query}`, { token });

describe("GET /v1/spaces/{id}/analytics/analysis", () => {
  it("counts completed analyses per day and agent with the success rate over evaluated ones, and a zero-filled total per day", async () => {
    const res = await get(`?from=${d1}&to=${addDays(d2, 1)}`);
    expect(res.status).toBe(200);
    const body = AnalysisAnalytics.parse(res.body);
    expect(body).toMatchObject({ from: d1, to: addDays(d2, 1) });
    const days = [...body.days].sort((x, y) => `${x.day}${x.agentId ?? ""}`.localeCompare(`${y.day}${y.agentId ?? ""}`));
    expect(days).toEqual(
      [
        { day: d1, agentId: null, analysed: 4, evaluated: 4, succeeded: 2, successRate: 0.5 },
        { day: d1, agentId: w.agentId, analysed: 3, evaluated: 3, succeeded: 2, successRate: 2 / 3 },
        { day: d1, agentId: agentB, analysed: 1, evaluated: 1, succeeded: 0, successRate: 0 },
        { day: d2, agentId: null, analysed: 1, evaluated: 0, succeeded: 0, successRate: null },
        { day: d2, agentId: w.agentId, analysed: 1, evaluated: 0, succeeded: 0, successRate: null },
        { day: addDays(d2, 1), agentId: null, analysed: 0, evaluated: 0, succeeded: 0, successRate: null },
      ].sort((x, y) => `${x.day}${x.agentId ?? ""}`.localeCompare(`${y.day}${y.agentId ?? ""}`)),
    );
  });

  it("counts each listed value of the agents' enum fields (zero for values never extracted), ignoring other fields and values", async () => {
    const body = AnalysisAnalytics.parse((await get(`?from=${d1}&to=${d2}`)).body);
    // Agent B has no analysis settings: its extracted "order" is not counted.
    expect(body.enums).toEqual([
      { agentId: w.agentId, field: "reason", value: "order", count: 2 },
      { agentId: w.agentId, field: "reason", value: "refund", count: 1 },
      { agentId: w.agentId, field: "reason", value: "other", count: 0 },
    ]);
  });

  it("narrows to one agent and to the range's days", async () => {
    const one = AnalysisAnalytics.parse((await get(`?from=${d1}&to=${d1}&agentId=${agentB}`)).body);
    expect(one.days).toEqual([
      { day: d1, agentId: null, analysed: 1, evaluated: 1, succeeded: 0, successRate: 0 },
      { day: d1, agentId: agentB, analysed: 1, evaluated: 1, succeeded: 0, successRate: 0 },
    ]);
    expect(one.enums).toEqual([]);
    const later = AnalysisAnalytics.parse((await get(`?from=${d2}&to=${d2}&agentId=${w.agentId}`)).body);
    expect(later.enums.find((e) => e.value === "order")?.count).toBe(0);
  });

  it("defaults to the last 30 days and answers API keys of the space", async () => {
    const res = await get("", w.apiKey);
    expect(res.status).toBe(200);
    expect(AnalysisAnalytics.parse(res.body).days.filter((d) => d.agentId === null)).toHaveLength(30);
  });

  it("refuses a backwards or too long range, malformed days or ids and unknown parameters", async () => {
    const backwards = await get(`?from=${d2}&to=${d1}`);
    expectProblem(backwards, 400, "validation_failed");
    expect(backwards.body["errors"]).toEqual([expect.objectContaining({ field: "query.to" })]);
    expectProblem(await get(`?from=${addDays(d1, -maxAnalyticsDays)}&to=${d1}`), 400, "validation_failed");
    for (const query of ["?from=2026-13-01", "?agentId=nope", "?success=true"]) expectProblem(await get(query), 400, "validation_failed");
  });

  it("answers 404 for another space's agent, another space's analytics and outsiders, 401 without credentials", async () => {
    expectProblem(await get(`?agentId=${w.otherAgentId}`), 404, "not_found");
    expectProblem(await call("GET", `/v1/spaces/${w.otherSpaceId}/analytics/analysis`, { token: w.member.token }), 404, "not_found");
    expectProblem(await get("", w.outsider.token), 404, "not_found");
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/analytics/analysis`), 401, "unauthorized");
  });
});
