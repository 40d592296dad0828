// The voice library without a DOM: one request per provider, the preview request carries the
// locale's speed and key and answers a WAV, and a voice never outlives its TTS provider.
import { describe, expect, it } from "vitest";
import type { VoiceLibrary } from "../../../packages/contracts/src/agent-builder.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, problem, type Recorded } from "../test-support.ts";
import { catalogLibrary, createVoicesStore, voiceForProvider, voiceLabel } from "./voices.ts";

const elevenLibrary: VoiceLibrary = {
  provider: "elevenlabs",
  source: "provider",
  hint: "An ElevenLabs voice id",
  closed: false,
  voices: [{ id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", language: "en", gender: "female", style: "calm" }],
};

function setup(handler: (req: Recorded) => Response) {
  const fetch = fakeFetch(handler);
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  return { fetch, store: createVoicesStore(api) };
}

describe("voice library", () => {
  it("loads a provider's library once, even when asked twice at the same time", async () => {
    const spaceId = ids.space();
    const { fetch, store } = setup(() => json(elevenLibrary));
    const [a, b] = await Promise.all([store.load(spaceId, "elevenlabs"), store.load(spaceId, "elevenlabs")]);
    expect(a).toEqual(b);
    await store.load(spaceId, "elevenlabs");
    expect(fetch.requests.map((r) => r.url)).toEqual([`/v1/spaces/${spaceId}/voices?provider=elevenlabs`]);
    expect(store.libraryOf(spaceId, "elevenlabs")?.voices[0]?.name).toBe("Rachel");
    expect(voiceLabel(elevenLibrary.voices[0]!)).toBe("Rachel · English (en) · female · calm");
  });

  it("keeps a failed load's message per provider and retries on the next call", async () => {
    const spaceId = ids.space();
    let fail = true;
    const { fetch, store } = setup(() => (fail ? problem("upstream_unavailable", 503, "The voice runtime did not answer") : json(elevenLibrary)));
    await expect(store.load(spaceId, "elevenlabs")).rejects.toThrow("The voice runtime did not answer");
    expect(store.errors.value[store.key(spaceId, "elevenlabs")]).toBe("The voice runtime did not answer");
    fail = false;
    await store.load(spaceId, "elevenlabs");
    expect(store.errors.value).toEqual({});
    expect(fetch.requests).toHaveLength(2);
  });

  it("previews the locale's voice at its speed with its key and returns the WAV; a refusal comes back in words", async () => {
    const spaceId = ids.space();
    const credentialId = newId("providerCredential");
    const wav = new Uint8Array([82, 73, 70, 70]);
    let refuse = false;
    const { fetch, store } = setup(() => (refuse ? problem("upstream_rejected", 502, "ElevenLabs refused the key: check it under Provider keys") : new Response(wav, { headers: { "content-type": "audio/wav" } })));
    const locale = { language: "de", speed: 1.25, tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice: " 21m00Tcm4TlvDq8ikWAM ", params: {}, credentialId } };
    const blob = await store.preview(spaceId, locale);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(wav);
    const req = fetch.requests[0];
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe(`/v1/spaces/${spaceId}/voices/preview`);
    expect(req?.headers["accept"]).toContain("audio/wav");
    expect(JSON.parse(req?.body ?? "{}")).toEqual({ provider: "elevenlabs", model: "eleven_flash_v2_5", voice: "21m00Tcm4TlvDq8ikWAM", speed: 1.25, language: "de", credentialId });
    refuse = true;
    await expect(store.preview(spaceId, { ...locale, tts: { ...locale.tts, credentialId: null } })).rejects.toThrow("ElevenLabs refused the key: check it under Provider keys");
    expect(JSON.parse(fetch.requests[1]?.body ?? "{}")).not.toHaveProperty("credentialId");
  });
});

describe("a voice follows its provider", () => {
  it("keeps a voice that belongs to the new provider", () => {
    expect(voiceForProvider("openai", "alloy")).toBe("alloy");
    expect(voiceForProvider("elevenlabs", "21m00Tcm4TlvDq8ikWAM")).toBe("21m00Tcm4TlvDq8ikWAM");
  });

  it("replaces a stale voice with the model's default, else the provider's first voice", () => {
    expect(voiceForProvider("flite", "alloy")).toBe("rms");
    expect(voiceForProvider("flite", "alloy", { modelDefault: "slt" })).toBe("slt");
    expect(voiceForProvider("openai", "rms", { modelDefault: "not-a-voice" })).toBe("alloy");
    expect(voiceForProvider("elevenlabs", "alloy", { library: elevenLibrary })).toBe("21m00Tcm4TlvDq8ikWAM");
  });

  it("leaves the voice empty (to be picked) for providers whose voices are account ids", () => {
    expect(voiceForProvider("cartesia", "alloy")).toBe("");
    expect(voiceForProvider("elevenlabs", "rms")).toBe("");
    expect(voiceForProvider("cartesia", "21m00Tcm4TlvDq8ikWAM")).toBe("");
  });

  it("shows the catalog's voices before the library answered", () => {
    const lib = catalogLibrary("flite");
    expect(lib.closed).toBe(true);
    expect(lib.voices[0]).toEqual({ id: "rms", name: "RMS", language: "en-US", gender: "male", style: "US English, male" });
  });
});
