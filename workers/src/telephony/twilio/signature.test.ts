// Twilio's published example (docs: "Validating requests are coming from Twilio"), recomputed in
// ../shared/MEASURED.md: auth token 12345, the URL with and without :443.
import { describe, expect, it } from "vitest";
import { twilioSignature, urlVariants, verifyTwilioSignature } from "./signature.ts";

const authToken = "12345";
const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
const params = { CallSid: "CA1234567890ABCDE", Caller: "+14158675309", Digits: "1234", From: "+14158675309", To: "+18005551212" };

describe("X-Twilio-Signature", () => {
  it("matches Twilio's documented example, with and without the default port", async () => {
    expect(await twilioSignature(authToken, url, params)).toBe("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    expect(await twilioSignature(authToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params)).toBe("kvajT1Ptam85bY51eRf/AJRuM3w=");
  });

  it("accepts a signature over either spelling of the URL", async () => {
    expect(await verifyTwilioSignature(authToken, url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(true);
    expect(await verifyTwilioSignature(authToken, url, params, "kvajT1Ptam85bY51eRf/AJRuM3w=")).toBe(true);
    expect(await verifyTwilioSignature(authToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(true);
  });

  it("refuses a changed parameter, another token, another URL or no signature", async () => {
    expect(await verifyTwilioSignature(authToken, url, { ...params, Digits: "1235" }, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(await verifyTwilioSignature("54321", url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(await verifyTwilioSignature(authToken, "https://mycompany.com/myapp.php?foo=1&bar=3", params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")).toBe(false);
    expect(await verifyTwilioSignature(authToken, url, params, "")).toBe(false);
    expect(await verifyTwilioSignature(authToken, url, params, null)).toBe(false);
    expect(await verifyTwilioSignature(authToken, url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8")).toBe(false);
  });

  it("spells a URL with and without its default port, and leaves other ports alone", () => {
    expect(urlVariants("https://a.example/x?y=1")).toEqual(["https://a.example/x?y=1", "https://a.example:443/x?y=1"]);
    expect(urlVariants("http://127.0.0.1:8787/t")).toEqual(["http://127.0.0.1:8787/t"]);
    expect(urlVariants("http://a.example:80/t")).toEqual(["http://a.example:80/t", "http://a.example/t"]);
  });
});
