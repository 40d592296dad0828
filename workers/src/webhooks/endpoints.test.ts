// The URL policy of endpoints outside development: https to public hosts only. (Under the tests
// dev tools are on, which lets loopback and plain http through for the local inbox.)
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { vetEndpointUrl } from "./endpoints.ts";

const production = { attemptTimeoutMs: 15_000, disableAfterMs: 5 * 86_400_000, allowLoopback: false };
const development = { ...production, allowLoopback: true };

function reasonFor(url: string, webhooks = production): string | null {
  try {
    vetEndpointUrl(url, webhooks);
    return null;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "validation_failed") throw err;
    return err.errors?.[0]?.message ?? "";
  }
}

describe("endpoint URL policy", () => {
  it("takes https URLs of public hosts, normalised", () => {
    expect(vetEndpointUrl("https://Hooks.Example.com:8443/a b?x=1", production)).toBe("https://hooks.example.com:8443/a%20b?x=1");
  });

  it("refuses plain http, loopback and the local inbox on a production platform", () => {
    expect(reasonFor("http://hooks.example.com/")).toMatch(/https/);
    expect(reasonFor("https://localhost:8787/dev/webhook-inbox")).toMatch(/loopback/);
    expect(reasonFor("https://127.0.0.1/")).toMatch(/loopback/);
    expect(reasonFor("http://127.0.0.1:8787/dev/webhook-inbox")).toMatch(/https/);
  });

  it("lets loopback and plain http through in development, but never private or metadata addresses", () => {
    expect(reasonFor("http://127.0.0.1:8787/dev/webhook-inbox", development)).toBeNull();
    expect(reasonFor("http://localhost:8787/dev/webhook-inbox", development)).toBeNull();
    expect(reasonFor("http://169.254.169.254/", development)).toMatch(/link-local/);
    expect(reasonFor("http://10.0.0.5/", development)).toMatch(/private/);
    expect(reasonFor("http://metadata.google.internal/", development)).toMatch(/private host/);
  });

  it("refuses a fragment", () => {
    expect(reasonFor("https://hooks.example.com/#x")).toMatch(/fragment/);
  });
});
