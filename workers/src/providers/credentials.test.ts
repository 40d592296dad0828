import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { vetBaseUrl } from "./credentials.ts";

function refusal(raw: string, allowLoopback: boolean): string | null {
  try {
    vetBaseUrl(raw, "openai-compatible", { allowLoopback });
    return null;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return JSON.stringify(e);
  }
}

describe("a provider key's base URL", () => {
  it("may be loopback over http only on a development platform, never link-local or private", () => {
    expect(refusal("http://127.0.0.1:11434/v1", false)).not.toBeNull();
    expect(refusal("https://localhost/v1", false)).not.toBeNull();
    expect(refusal("http://127.0.0.1:11434/v1", true)).toBeNull();
    for (const allow of [false, true]) {
      expect(refusal("http://169.254.169.254/latest/meta-data", allow)).not.toBeNull();
      expect(refusal("https://192.168.1.10/v1", allow)).not.toBeNull();
      expect(refusal("https://api.example.com/v1?key=x", allow)).not.toBeNull();
      // Fits the 2000-character limit as typed, not once its spaces are percent-encoded.
      expect(refusal(`https://api.example.com/${" ".repeat(1900)}v1`, allow)).not.toBeNull();
    }
  });

  it("is the provider's public API when none is given, without a trailing slash", () => {
    expect(vetBaseUrl(undefined, "deepgram", { allowLoopback: false })).toBe("https://api.deepgram.com");
    expect(vetBaseUrl("https://LLM.Example.com/v1/", "openai-compatible", { allowLoopback: false })).toBe("https://llm.example.com/v1");
  });
});
