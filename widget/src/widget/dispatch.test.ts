import { describe, expect, it } from "vitest";
import { problemToError, retryAfterSeconds } from "./dispatch.ts";
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

describe("microphone errors", () => {
  it("tells a refusal from a missing device", () => {
    expect(microphoneErrorCode("NotAllowedError")).toBe("mic_denied");
    expect(microphoneErrorCode("SecurityError")).toBe("mic_denied");
    expect(microphoneErrorCode("NotFoundError")).toBe("mic_missing");
    expect(microphoneErrorCode("NotReadableError")).toBe("mic_missing");
    expect(microphoneErrorCode("OverconstrainedError")).toBe("mic_missing");
  });
});
