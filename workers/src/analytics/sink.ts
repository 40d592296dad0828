// Where refreshed aggregates go besides Postgres: optionally a ClickHouse table, for teams that
// keep their analytics there. Off unless CLICKHOUSE_URL is set (config.ts).
//
// ClickHouse HTTP interface: POST <url>/?query=INSERT INTO <db>.analytics_daily FORMAT JSONEachRow
// with one JSON object per line as the body; credentials in the X-ClickHouse-User and
// X-ClickHouse-Key headers (never in the URL, which proxies and query logs keep). Non-2xx means
// the insert failed, with the reason in the body. The table (ReplacingMergeTree keeps the latest
// `refreshed_at` per key, so re-sent rows replace the old ones; read it with FINAL):
//
//   CREATE TABLE analytics_daily (
//     day Date, space_id String, agent_id String,
//     sessions_total UInt32, sessions_completed UInt32, sessions_failed UInt32, sessions_open UInt32,
//     voice_ms UInt64,
//     voice_to_voice_p50_ms Nullable(UInt32), voice_to_voice_p95_ms Nullable(UInt32),
//     llm_ttft_p50_ms Nullable(UInt32), llm_ttft_p95_ms Nullable(UInt32),
//     tts_ttfb_p50_ms Nullable(UInt32), tts_ttfb_p95_ms Nullable(UInt32),
//     tool_calls UInt32, tool_errors UInt32,
//     refreshed_at DateTime64(3, 'UTC')
//   ) ENGINE = ReplacingMergeTree(refreshed_at)
//   ORDER BY (space_id, day, agent_id);
//
// A cell whose data is gone is deleted in Postgres but sent here as a zeroed row, which replaces
// the old one (ClickHouse has no cheap delete).
import { log, errorFields } from "../lib/log.ts";
import type { Config } from "../config.ts";

/** One aggregate row, as written to `analytics_daily`. */
export interface AnalyticsRow {
  day: string;
  spaceId: string;
  /** '' = the whole space. */
  agentId: string;
  sessionsTotal: number;
  sessionsCompleted: number;
  sessionsFailed: number;
  sessionsOpen: number;
  voiceMs: number;
  voiceToVoiceP50Ms: number | null;
  voiceToVoiceP95Ms: number | null;
  llmTtftP50Ms: number | null;
  llmTtftP95Ms: number | null;
  ttsTtfbP50Ms: number | null;
  ttsTtfbP95Ms: number | null;
  toolCalls: number;
  toolErrors: number;
  /** ISO 8601 timestamp. */
  refreshedAt: string;
}

export interface AnalyticsSink {
  /** Throws when the rows could not be written; the refresh logs that and carries on. */
  write(rows: AnalyticsRow[]): Promise<void>;
}

export interface ClickHouseOptions {
  /** The HTTP interface's base URL, e.g. https://host:8443. */
  url: string;
  user: string;
  password: string;
  database: string;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class ClickHouseError extends Error {
  override name = "ClickHouseError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function createClickHouseSink(options: ClickHouseOptions): AnalyticsSink {
  // The database name goes into the SQL text, so it must be a plain identifier (config checks it too).
  if (!identifier.test(options.database)) throw new RangeError("ClickHouse database must be a plain identifier");
  const doFetch = options.fetch ?? fetch;
  const endpoint = new URL(options.url);
  endpoint.pathname = endpoint.pathname.replace(/\/?$/, "/");
  endpoint.searchParams.set("query", `INSERT INTO ${options.database}.analytics_daily FORMAT JSONEachRow`);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      const body = rows.map((r) => JSON.stringify(toClickHouse(r))).join("\n") + "\n";
      const response = await doFetch(endpoint.toString(), {
        method: "POST",
        headers: {
          // ClickHouse reads the format from the query, not from this header.
          "content-type": "text/plain; charset=utf-8",
          "x-clickhouse-user": options.user,
          "x-clickhouse-key": options.password,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (!response.ok) {
        // The body names the failure ("Code: 60. DB::Exception: Table … doesn't exist"); its
        // first line is enough and holds no row data.
        const reason = (await response.text().catch(() => "")).split("\n")[0]?.slice(0, 300) ?? "";
        throw new ClickHouseError(response.status, `ClickHouse insert failed with ${response.status}: ${reason}`);
      }
    },
  };
}

/** Writes to the sink, logging instead of throwing: the Postgres refresh already succeeded. */
export async function writeToSink(sink: AnalyticsSink, rows: AnalyticsRow[]): Promise<void> {
  try {
    await sink.write(rows);
  } catch (err) {
    log.error("analytics sink write failed", { rows: rows.length, ...(err instanceof ClickHouseError ? { status: err.status } : {}), ...errorFields(err) });
  }
}

function toClickHouse(r: AnalyticsRow): Record<string, string | number | null> {
  return {
    day: r.day,
    space_id: r.spaceId,
    agent_id: r.agentId,
    sessions_total: r.sessionsTotal,
    sessions_completed: r.sessionsCompleted,
    sessions_failed: r.sessionsFailed,
    sessions_open: r.sessionsOpen,
    voice_ms: r.voiceMs,
    voice_to_voice_p50_ms: r.voiceToVoiceP50Ms,
    voice_to_voice_p95_ms: r.voiceToVoiceP95Ms,
    llm_ttft_p50_ms: r.llmTtftP50Ms,
    llm_ttft_p95_ms: r.llmTtftP95Ms,
    tts_ttfb_p50_ms: r.ttsTtfbP50Ms,
    tts_ttfb_p95_ms: r.ttsTtfbP95Ms,
    tool_calls: r.toolCalls,
    tool_errors: r.toolErrors,
    // DateTime64's default input format is "YYYY-MM-DD hh:mm:ss.sss" (no T, no Z); the value is UTC.
    refreshed_at: r.refreshedAt.replace("T", " ").replace("Z", ""),
  };
}

/** The configured sink, or none: ClickHouse is optional and off unless CLICKHOUSE_URL is set. */
export function analyticsSinkFor(config: Config, fetchImpl?: typeof fetch): AnalyticsSink | undefined {
  const ch = config.clickhouse;
  return ch ? createClickHouseSink({ ...ch, ...(fetchImpl ? { fetch: fetchImpl } : {}) }) : undefined;
}
