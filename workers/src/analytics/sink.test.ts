import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { sessions } from "@speaknode/db";
import { makeWorld, withDb, type World } from "../../test/helpers.ts";
import { readConfig } from "../config.ts";
import { refreshAnalyticsForSessions } from "./refresh.ts";
import { analyticsSinkFor, ClickHouseError, createClickHouseSink, type AnalyticsRow, type AnalyticsSink } from "./sink.ts";
import { recordingFetch, seedSessions, storedRows } from "./testing.ts";

const row: AnalyticsRow = {
  day: "2026-07-01",
  spaceId: "spc_01jqz8k3m4n5p6q7r8s9t0v1w2",
  agentId: "",
  sessionsTotal: 3,
  sessionsCompleted: 2,
  sessionsFailed: 1,
  sessionsOpen: 0,
  voiceMs: 90_500,
  voiceToVoiceP50Ms: 800,
  voiceToVoiceP95Ms: 1500,
  llmTtftP50Ms: null,
  llmTtftP95Ms: null,
  ttsTtfbP50Ms: 120,
  ttsTtfbP95Ms: 200,
  toolCalls: 4,
  toolErrors: 1,
  refreshedAt: "2026-07-02T03:04:05.678Z",
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ClickHouse sink: the HTTP interface request", () => {
  it("posts the rows as JSONEachRow to the configured database's table, credentials in headers", async () => {
    const { fetch, requests } = recordingFetch();
    const sink = createClickHouseSink({ url: "https://ch.example.test:8443", user: "speaknode", password: "s3cret", database: "analytics", fetch });
    await sink.write([row, { ...row, agentId: "agt_01jqz8k3m4n5p6q7r8s9t0v1w2" }]);

    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.method).toBe("POST");
    expect(`${req?.url.origin}${req?.url.pathname}`).toBe("https://ch.example.test:8443/");
    expect([...(req?.url.searchParams.keys() ?? [])]).toEqual(["query"]);
    expect(req?.url.searchParams.get("query")).toBe("INSERT INTO analytics.analytics_daily FORMAT JSONEachRow");
    expect(req?.headers.get("x-clickhouse-user")).toBe("speaknode");
    expect(req?.headers.get("x-clickhouse-key")).toBe("s3cret");
    expect(req?.url.toString()).not.toContain("s3cret");

    const lines = req?.body.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines?.[0]).toEqual({
      day: "2026-07-01",
      space_id: row.spaceId,
      agent_id: "",
      sessions_total: 3,
      sessions_completed: 2,
      sessions_failed: 1,
      sessions_open: 0,
      voice_ms: 90_500,
      voice_to_voice_p50_ms: 800,
      voice_to_voice_p95_ms: 1500,
      llm_ttft_p50_ms: null,
      llm_ttft_p95_ms: null,
      tts_ttfb_p50_ms: 120,
      tts_ttfb_p95_ms: 200,
      tool_calls: 4,
      tool_errors: 1,
      refreshed_at: "2026-07-02 03:04:05.678",
    });
    expect(lines?.[1]?.["agent_id"]).toBe("agt_01jqz8k3m4n5p6q7r8s9t0v1w2");
  });

  it("sends nothing for no rows", async () => {
    const { fetch, requests } = recordingFetch();
    await createClickHouseSink({ url: "http://127.0.0.1:8123", user: "default", password: "", database: "default", fetch }).write([]);
    expect(requests).toEqual([]);
  });

  it("throws a ClickHouseError with the status and the first line of the reason on a refused insert", async () => {
    const { fetch } = recordingFetch(404, "Code: 60. DB::Exception: Table analytics.analytics_daily does not exist. (UNKNOWN_TABLE)\nstack…");
    const sink = createClickHouseSink({ url: "http://127.0.0.1:8123", user: "default", password: "", database: "analytics", fetch });
    const error = await sink.write([row]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseError);
    expect(error).toMatchObject({ status: 404, message: expect.stringContaining("UNKNOWN_TABLE") });
    expect((error as Error).message).not.toContain("stack");
  });

  it("refuses a database name that is not a plain identifier", () => {
    expect(() => createClickHouseSink({ url: "http://127.0.0.1:8123", user: "u", password: "", database: "x; DROP TABLE y" })).toThrow(RangeError);
  });
});

describe("ClickHouse configuration", () => {
  const base = {
    DATABASE_URL: "postgres://u@db.example.com/app",
    OIDC_ISSUER: "https://sso.example.com/realms/speaknode",
    SECRETS_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
    RUNTIME_TOKEN_SECRET: "r".repeat(32),
  };

  it("is off by default, so refreshes write to Postgres only", () => {
    const config = readConfig({ ...base });
    expect(config.clickhouse).toBeUndefined();
    expect(analyticsSinkFor(config)).toBeUndefined();
    expect(readConfig({ ...base, CLICKHOUSE_URL: "" }).clickhouse).toBeUndefined();
  });

  it("is on with CLICKHOUSE_URL, with a default user and database", () => {
    expect(readConfig({ ...base, CLICKHOUSE_URL: "https://ch.example.test:8443", CLICKHOUSE_PASSWORD: "pw" }).clickhouse).toEqual({
      url: "https://ch.example.test:8443",
      user: "default",
      password: "pw",
      database: "default",
    });
  });

  it("refuses a URL that is not http(s) and a database name that is not an identifier", () => {
    expect(() => readConfig({ ...base, CLICKHOUSE_URL: "tcp://ch:9000" })).toThrow(/CLICKHOUSE_URL/);
    expect(() => readConfig({ ...base, CLICKHOUSE_URL: "https://ch.example.test", CLICKHOUSE_DATABASE: "a.b" })).toThrow(/CLICKHOUSE_DATABASE/);
  });
});

describe("a refresh with a sink", () => {
  let w: World;
  const day = "2026-07-01";
  beforeAll(async () => {
    w = await makeWorld();
  });

  it("sends the refreshed rows, and a zeroed row for each cell whose data is gone", async () => {
    const [id] = await seedSessions(w.spaceId, [{ agentId: w.agentId, status: "completed", createdAt: `${day}T10:00:00Z`, startedAt: `${day}T10:00:00Z`, endedAt: `${day}T10:00:45Z` }]);
    const written: AnalyticsRow[][] = [];
    const sink: AnalyticsSink = { write: async (rows) => void written.push(rows) };
    const now = new Date("2026-07-01T12:00:00Z");
    await withDb((db) => refreshAnalyticsForSessions(db, [id ?? ""], now, { sink }));
    expect(written[0]?.map((r) => [r.agentId, r.sessionsTotal, r.voiceMs, r.refreshedAt]).sort()).toEqual([
      ["", 1, 45_000, now.toISOString()],
      [w.agentId, 1, 45_000, now.toISOString()],
    ]);

    // Its agent is deleted (the session stays, with no agent): the per-agent cell empties.
    await withDb((db) => db.update(sessions).set({ agentId: null }).where(eq(sessions.id, id ?? "")));
    await withDb((db) => refreshAnalyticsForSessions(db, [id ?? ""], now, { sink }));
    expect(written[1]?.find((r) => r.agentId === w.agentId)).toMatchObject({ sessionsTotal: 0, voiceMs: 0, voiceToVoiceP50Ms: null });
    expect(written[1]?.find((r) => r.agentId === "")).toMatchObject({ sessionsTotal: 1 });
  });

  it("still writes Postgres and only logs when the sink fails", async () => {
    const [id] = await seedSessions(w.spaceId, [{ agentId: w.agentId, status: "failed", createdAt: "2026-07-03T10:00:00Z" }]);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { fetch } = recordingFetch(503, "overloaded");
    const sink = createClickHouseSink({ url: "http://127.0.0.1:8123", user: "default", password: "", database: "default", fetch });
    await withDb((db) => refreshAnalyticsForSessions(db, [id ?? ""], new Date(), { sink }));
    expect((await storedRows(w.spaceId)).get("2026-07-03/")).toMatchObject({ sessionsTotal: 1, sessionsFailed: 1 });
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("analytics sink write failed"));
    expect(errors.mock.calls[0]?.[0]).toContain('"status":503');
  });
});
