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
