import { describe, expect, it } from "vitest";
import type { DispatchedSession, PublicWidgetConfig } from "../shared/types.ts";
import { dispatchPreview, problemToError, retryAfterSeconds } from "./dispatch.ts";
import { WidgetFailure } from "./failure.ts";
import { microphoneErrorCode } from "./microphone.ts";

describe("dispatch problems", () => {
  it("maps the API's problem codes to widget errors", () => {
    expect(problemToError(404, "not_found")).toBe("agent_unpublished");
    expect(problemToError(429, "rate_limited")).toBe("rate_limited");
    expect(problemToError(401, "token_expired")).toBe("token_expired");
    expect(problemToError(401, "unauthorized")).toBe("token_invalid");
    expect(problemToError(403, "forbidden")).toBe("origin_forbidden");
    expect(problemToError(400, "validation_failed")).toBe("session_failed");
    expect(problemToError(500, "internal")).toBe("session_failed");
  });

  it("falls back to the status when the body is not a problem", () => {
    expect(problemToError(404, undefined)).toBe("agent_unpublished");
    expect(problemToError(429, undefined)).toBe("rate_limited");
    expect(problemToError(502, undefined)).toBe("network_lost");
    expect(problemToError(500, undefined)).toBe("session_failed");
  });

  it("reads retry-after seconds only", () => {
    expect(retryAfterSeconds("30")).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT")).toBeUndefined();
  });
});

describe("preview dispatch", () => {
  const config = {} as PublicWidgetConfig;
  const session: DispatchedSession = { sessionId: "ses_1", language: "en", media: { driver: "local", url: "ws://m", token: "t", sampleRateHz: 16000 }, eventsUrl: "ws://e" };
  const refused = async (reason: unknown) => dispatchPreview({ config, dispatch: () => Promise.reject(reason) }, { variables: {}, language: "en" }).then(() => null, (err: unknown) => err);

  it("passes the request to the host and returns its session", async () => {
    const seen: unknown[] = [];
    const got = await dispatchPreview({ config, dispatch: async (req) => (seen.push(req), session) }, { variables: { a: 1 }, language: "de" });
    expect(got).toBe(session);
    expect(seen).toEqual([{ variables: { a: 1 }, language: "de" }]);
  });

  it("keeps a refusal's widgetMessage for people and nothing else", async () => {
    const withMessage = await refused(Object.assign(new Error("422 preflight_failed"), { widgetMessage: " Add an OpenAI key. " }));
    expect(withMessage).toBeInstanceOf(WidgetFailure);
    expect(withMessage).toMatchObject({ code: "session_failed", shownMessage: "Add an OpenAI key." });
    for (const reason of [new Error("HTTP 500"), Object.assign(new Error("x"), { widgetMessage: 42 }), "a string", { widgetMessage: "not an Error" }]) {
      expect(await refused(reason)).toMatchObject({ code: "session_failed", shownMessage: undefined });
    }
  });

  it("refuses an answer that is not a session", async () => {
    const bad = await dispatchPreview({ config, dispatch: async () => ({ sessionId: "x" }) as DispatchedSession }, { variables: {}, language: undefined }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "session_failed" });
  });
});

describe("microphone errors", () => {
  it("tells a refusal from a missing device", () => {
    expect(microphoneErrorCode("NotAllowedError")).toBe("mic_denied");
    expect(microphoneErrorCode("SecurityError")).toBe("mic_denied");
    expect(microphoneErrorCode("NotFoundError")).toBe("mic_missing");
    expect(microphoneErrorCode("NotReadableError")).toBe("mic_missing");
    expect(microphoneErrorCode("OverconstrainedError")).toBe("mic_missing");
  });
});
