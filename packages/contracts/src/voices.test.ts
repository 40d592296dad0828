// The voice suggestion table: the voices each provider is known to offer, and a hint for the
// providers whose voice ids are account-specific.
import { describe, expect, it } from "vitest";
import { providersByKind } from "./catalog.ts";
import { voicesFor, voiceSuggestions } from "./voices.ts";

describe("voice suggestions", () => {
  it("suggests flite's voices, marking kal as 8 kHz", () => {
    expect(voicesFor("flite").voices.map((v) => v.id)).toEqual(["rms", "slt", "awb", "kal16", "kal"]);
    expect(voicesFor("flite").voices.find((v) => v.id === "kal")?.sampleRateHz).toBe(8000);
    expect(voicesFor("flite").voices.filter((v) => v.sampleRateHz !== undefined).map((v) => v.id)).toEqual(["kal"]);
  });

  it("suggests OpenAI's built-in voices", () => {
    expect(voicesFor("openai").voices.map((v) => v.id)).toEqual(["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"]);
  });

  it("leaves ElevenLabs and Cartesia ids to free text, with a hint where to find them", () => {
    for (const provider of ["elevenlabs", "cartesia"]) {
      expect(voicesFor(provider).voices).toEqual([]);
      expect(voicesFor(provider).hint).toMatch(/id/);
    }
  });

  it("covers every TTS provider the runtime has a driver for, and answers unknown ones with a generic hint", () => {
    expect(Object.keys(voiceSuggestions).sort()).toEqual([...providersByKind.tts].sort());
    expect(voicesFor("constructor")).toEqual({ voices: [], hint: "The voice id of the TTS provider.", closed: false });
  });
});
