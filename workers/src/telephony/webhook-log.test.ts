import { describe, expect, it } from "vitest";
import { redactHeaders, redactUrl, redacted } from "./webhook-log.ts";

describe("webhook log redaction", () => {
  it("replaces signature, authorization and cookie headers and keeps the others", () => {
    const headers = new Headers({
      "X-Twilio-Signature": "abc=",
      Authorization: "Basic QUM6c2VjcmV0",
      Cookie: "session=1",
      "Proxy-Authorization": "Bearer x",
      "Content-Type": "application/x-www-form-urlencoded",
      "User-Agent": "TwilioProxy/1.1",
    });
    expect(redactHeaders(headers)).toEqual({
      "x-twilio-signature": redacted,
      authorization: redacted,
      cookie: redacted,
      "proxy-authorization": redacted,
      "content-type": "application/x-www-form-urlencoded",
      "user-agent": "TwilioProxy/1.1",
    });
  });

  it("replaces secret-looking query parameters and user info in the URL, keeping the rest", () => {
    const url = redactUrl("https://user:pw@edge.example.test/telephony/twilio/tcn_1/voice?token=t0k&signature=s&client_secret=x&password=p&attempt=2");
    const parsed = new URL(url);
    expect(parsed.username).toBe("");
    expect(parsed.password).toBe("");
    expect(parsed.pathname).toBe("/telephony/twilio/tcn_1/voice");
    expect(Object.fromEntries(parsed.searchParams)).toEqual({ token: redacted, signature: redacted, client_secret: redacted, password: redacted, attempt: "2" });
    expect(url).not.toMatch(/t0k|pw@/);
    expect(redactUrl("https://edge.example.test/telephony/twilio/tcn_1/status?attempt=1")).toBe("https://edge.example.test/telephony/twilio/tcn_1/status?attempt=1");
  });
});
