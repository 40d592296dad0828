import { describe, expect, it } from "vitest";
import { maxAttempts, nextRetryDelayS, retryAfterSeconds, retryDelaysS } from "./schedule.ts";
import { redactAttemptHeaders } from "./redact.ts";
import { bodyOf, payloadOf } from "./payload.ts";

const mid = () => 0.5;

describe("the retry schedule", () => {
  it("waits 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h six times: 12 attempts in about three days", () => {
    const delays = Array.from({ length: 11 }, (_, i) => nextRetryDelayS(i + 1, { random: mid }));
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000]);
    expect(maxAttempts).toBe(12);
    const totalH = retryDelaysS.reduce((a, b) => a + b, 0) / 3600;
    expect(totalH).toBeGreaterThan(60);
    expect(totalH).toBeLessThan(80);
  });

  it("has no attempt after the twelfth", () => {
    expect(nextRetryDelayS(12, { random: mid })).toBeNull();
  });

  it("spreads each delay by at most ±10 %", () => {
    expect(nextRetryDelayS(2, { random: () => 0 })).toBe(270);
    expect(nextRetryDelayS(2, { random: () => 0.999999 })).toBe(330);
    expect(nextRetryDelayS(6, { random: () => 0 })).toBe(32400);
  });

  it("waits at least as long as Retry-After asks, up to 12 hours", () => {
    expect(nextRetryDelayS(1, { random: mid, retryAfterS: 120 })).toBe(120);
    expect(nextRetryDelayS(3, { random: mid, retryAfterS: 120 })).toBe(1800);
    expect(nextRetryDelayS(1, { random: mid, retryAfterS: 7 * 86400 })).toBe(43200);
  });
});

describe("Retry-After", () => {
  const now = new Date("2025-03-01T12:00:00Z");
  it("reads delay-seconds and HTTP dates on 429 and 503", () => {
    expect(retryAfterSeconds(429, "120", now)).toBe(120);
    expect(retryAfterSeconds(503, "Sat, 01 Mar 2025 12:10:00 GMT", now)).toBe(600);
    expect(retryAfterSeconds(503, "Sat, 01 Mar 2025 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores it on other statuses, and when unreadable or absent", () => {
    expect(retryAfterSeconds(500, "120", now)).toBeNull();
    expect(retryAfterSeconds(429, "soon", now)).toBeNull();
    expect(retryAfterSeconds(429, null, now)).toBeNull();
    expect(retryAfterSeconds(null, "120", now)).toBeNull();
  });
});

describe("what an attempt sends and stores", () => {
  it("builds { type, timestamp, data } with the event's time, the same bytes each time", () => {
    const event = { type: "session.started", data: { sessionId: "ses_1", b: 2, a: 1 }, occurredAt: new Date("2025-03-01T12:00:00.123Z") };
    expect(payloadOf(event)).toEqual({ type: "session.started", timestamp: "2025-03-01T12:00:00.123Z", data: event.data });
    expect(bodyOf(event)).toBe(bodyOf({ ...event }));
    expect(JSON.parse(bodyOf(event))).toEqual(payloadOf(event));
  });

  it("redacts the signature and custom header values, whatever their case", () => {
    const headers = { "webhook-signature": "v1,abc", "webhook-id": "evt_1", "x-api-key": "k", authorization: "Bearer t" };
    expect(redactAttemptHeaders(headers, ["X-Api-Key", "Authorization"])).toEqual({ "webhook-signature": "[redacted]", "webhook-id": "evt_1", "x-api-key": "[redacted]", authorization: "[redacted]" });
  });
});
