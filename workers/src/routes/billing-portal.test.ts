// The portal URL check: https always; plain http only at the configured Lago's own origin (the
// simulator on this machine), never another http origin or a non-URL.
import { describe, expect, it } from "vitest";
import { portalUrlAcceptable } from "./billing-portal.ts";

describe("portalUrlAcceptable", () => {
  it("accepts an https portal URL whatever Lago's API URL is", () => {
    expect(portalUrlAcceptable("https://app.getlago.com/customer-portal/abc", "https://api.getlago.com")).toBe(true);
  });

  it("accepts plain http only at the configured Lago's origin", () => {
    expect(portalUrlAcceptable("http://127.0.0.1:8795/sim/portal/spc_1", "http://127.0.0.1:8795")).toBe(true);
    expect(portalUrlAcceptable("http://127.0.0.1:9999/sim/portal/spc_1", "http://127.0.0.1:8795")).toBe(false);
    expect(portalUrlAcceptable("http://evil.example/portal", "https://api.getlago.com")).toBe(false);
  });

  it("refuses what is not a URL or not http(s)", () => {
    expect(portalUrlAcceptable("javascript:alert(1)", "http://127.0.0.1:8795")).toBe(false);
    expect(portalUrlAcceptable("not a url", "http://127.0.0.1:8795")).toBe(false);
  });
});
