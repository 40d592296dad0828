import { describe, expect, it } from "vitest";
import { countryOf, destinationAllowed, isE164, maskPhoneNumber, parsePhoneNumber } from "./index.ts";

describe("phone numbers", () => {
  it("turns what people type into E.164 with its country", () => {
    expect(parsePhoneNumber("+1 (415) 555-0100")).toEqual({ ok: true, e164: "+14155550100", country: "US" });
    expect(parsePhoneNumber("0044 20 7946 0958")).toEqual({ ok: true, e164: "+442079460958", country: "GB" });
    expect(parsePhoneNumber("030 901820", "de")).toMatchObject({ ok: true, e164: "+4930901820", country: "DE" });
  });

  it("refuses what cannot be a phone number", () => {
    for (const bad of ["", "hello", "+1", "+12", "+1234567890123456789", "415-555-0100", "+1 415 555 0100; DROP", "+4411"]) {
      expect(parsePhoneNumber(bad).ok, bad).toBe(false);
    }
  });

  it("tells exact E.164 from other spellings", () => {
    expect(isE164("+14155550100")).toBe(true);
    expect(isE164("14155550100")).toBe(false);
    expect(isE164("+1 415 555 0100")).toBe(false);
  });

  it("allows a destination only in a listed country, or anywhere with *", () => {
    expect(countryOf("+442079460958")).toBe("GB");
    expect(destinationAllowed("+442079460958", ["US", "gb"])).toBe(true);
    expect(destinationAllowed("+442079460958", ["US"])).toBe(false);
    expect(destinationAllowed("+442079460958", [])).toBe(false);
    expect(destinationAllowed("+442079460958", ["*"])).toBe(true);
  });

  it("masks all but the country prefix and the last four digits", () => {
    expect(maskPhoneNumber("+14155550100")).toBe("+1415•••0100");
    expect(maskPhoneNumber("+14155550100")).not.toContain("555");
  });
});

describe("the light policy (no numbering-plan metadata)", () => {
  it("reads the usual spellings of a number with its country code as E.164", async () => {
    const { normalizePhoneText } = await import("./light.ts");
    expect(normalizePhoneText("+1 (415) 555-0100")).toBe("+14155550100");
    expect(normalizePhoneText("0044 20 7946 0958")).toBe("+442079460958");
    for (const bad of ["", "415-555-0100", "+0123456789", "+1", "+1 415 555 0100; DROP", "+1234567890123456"]) expect(normalizePhoneText(bad), bad).toBeNull();
  });
});
