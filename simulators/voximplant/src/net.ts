// Net.httpRequestAsync(url, {method, headers: ["Name: value"], postData, timeout})
// (https://voximplant.com/docs/references/voxengine/net/httprequestasync): resolves, never rejects,
// with an HttpRequestResult {code, text, headers: [{key, value}], raw_headers, error?}; a request
// that gets no HTTP answer resolves with a negative code and `error`. Every request and its answer
// are recorded for the call report, with credentials redacted.
import { redactUrl } from "./websocket.ts";

const sensitive = /token|secret|authorization|password|key|sig/i;

/** A JSON text for the record: values under credential-like keys are hidden; other text is kept short. */
export function redactBody(text: string): unknown {
  if (text === "") return "";
  try {
    return redactValue(JSON.parse(text));
  } catch {
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  }
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === "string") return /[?&](token|secret|key)=/i.test(value) ? redactUrl(value) : value;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sensitive.test(k) ? "[redacted]" : redactValue(v)]));
}

export interface HttpRequestResult {
  code: number;
  text: string;
  headers: { key: string; value: string }[];
  raw_headers: string;
  error?: string;
}

export async function httpRequestAsync(url: string, options: unknown, record: (kind: string, detail: Record<string, unknown>) => void): Promise<HttpRequestResult> {
  const o = (typeof options === "object" && options !== null ? options : {}) as Record<string, unknown>;
  const method = typeof o.method === "string" ? o.method.toUpperCase() : "GET";
  const headers = new Headers();
  if (Array.isArray(o.headers)) {
    for (const h of o.headers) {
      const m = /^([^:]+):\s*(.*)$/.exec(String(h));
      if (m?.[1] && m[2] !== undefined) headers.append(m[1].trim(), m[2]);
    }
  }
  const body = typeof o.postData === "string" ? o.postData : undefined;
  const timeoutS = typeof o.timeout === "number" && o.timeout > 0 ? o.timeout : 90;
  const started = performance.now();
  const shown = { url: redactUrl(url), method, headers: [...headers].map(([k, v]) => `${k}: ${sensitive.test(k) ? "[redacted]" : v}`), body: body === undefined ? null : redactBody(body) };
  let result: HttpRequestResult;
  try {
    const res = await fetch(url, { method, headers, ...(body !== undefined && method !== "GET" && method !== "HEAD" ? { body } : {}), signal: AbortSignal.timeout(timeoutS * 1000) });
    const text = await res.text();
    const list = [...res.headers].map(([key, value]) => ({ key, value }));
    result = { code: res.status, text, headers: list, raw_headers: list.map((h) => `${h.key}: ${h.value}`).join("\r\n") };
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    result = { code: timedOut ? -7 : -1, text: "", headers: [], raw_headers: "", error: err instanceof Error ? err.message : String(err) };
  }
  record("http.request", { ...shown, code: result.code, answer: redactBody(result.text), ...(result.error ? { error: result.error.slice(0, 200) } : {}), ms: Math.round(performance.now() - started) });
  return result;
}
