import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../config.ts";
import { genAiGroups, toOtlpRequest } from "./langfuse.ts";
import { normalizeRequest } from "./normalize.ts";
import { ExportTraceServiceRequest } from "./otlp.ts";
import { otlpRequest, otlpSpan } from "./fixtures.ts";

const base = {
  DATABASE_URL: "postgres://u@db.example.com/app",
  OIDC_ISSUER: "https://sso.example.com/realms/speaknode",
  SECRETS_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
  RUNTIME_TOKEN_SECRET: "r".repeat(32),
};

describe("Langfuse configuration", () => {
  it("is off unless all three settings are given, and refuses half a configuration", () => {
    expect(readConfig({ ...base }).telemetry.langfuse).toBeUndefined();
    expect(readConfig({ ...base, LANGFUSE_BASE_URL: "", LANGFUSE_PUBLIC_KEY: "", LANGFUSE_SECRET_KEY: "" }).telemetry.langfuse).toBeUndefined();
    expect(readConfig({ ...base, LANGFUSE_BASE_URL: "https://cloud.langfuse.com/", LANGFUSE_PUBLIC_KEY: "pk-lf-1", LANGFUSE_SECRET_KEY: "sk-lf-1" }).telemetry.langfuse).toEqual({
      baseUrl: "https://cloud.langfuse.com",
      publicKey: "pk-lf-1",
      secretKey: "sk-lf-1",
    });
    expect(() => readConfig({ ...base, LANGFUSE_PUBLIC_KEY: "pk-lf-1" })).toThrow(ConfigError);
    expect(() => readConfig({ ...base, LANGFUSE_BASE_URL: "ftp://x", LANGFUSE_PUBLIC_KEY: "p", LANGFUSE_SECRET_KEY: "s" })).toThrow(/LANGFUSE_BASE_URL/);
  });
});

describe("the Langfuse payload", () => {
  it("keeps only gen_ai spans and round-trips through our own OTLP schema", () => {
    const request = otlpRequest([otlpSpan({ attributes: { "gen_ai.operation.name": "chat", nested: 1 } }), otlpSpan({ attributes: { "lk.x": "y" } })], { "service.name": "rt" });
    const groups = genAiGroups(normalizeRequest(ExportTraceServiceRequest.parse(request)).groups);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.spans).toHaveLength(1);
    const otlp = toOtlpRequest(groups);
    expect(ExportTraceServiceRequest.safeParse(otlp).success).toBe(true);
    // and back: the same rows again
    expect(normalizeRequest(ExportTraceServiceRequest.parse(otlp)).groups).toEqual(groups);
  });
});
