import { describe, expect, it } from "vitest";
import { signTwilioRequest } from "./signing.ts";

describe("Twilio request signing", () => {
  it("matches the example in Twilio's security documentation", () => {
    const params: [string, string][] = [
      ["CallSid", "CA1234567890ABCDE"],
      ["Caller", "+14158675309"],
      ["Digits", "1234"],
      ["From", "+14158675309"],
      ["To", "+18005551212"],
    ];
    expect(signTwilioRequest("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  });

  it("sorts parameters by name whatever order they are given in", () => {
    const sorted: [string, string][] = [["A", "1"], ["B", "2"], ["C", "3"]];
    const shuffled: [string, string][] = [["C", "3"], ["A", "1"], ["B", "2"]];
    expect(signTwilioRequest("t", "https://x.test/v", shuffled)).toBe(signTwilioRequest("t", "https://x.test/v", sorted));
    expect(signTwilioRequest("t", "https://x.test/v", shuffled)).not.toBe(signTwilioRequest("other", "https://x.test/v", sorted));
  });
});
