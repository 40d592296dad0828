import { describe, expect, it } from "vitest";
import { fliteSpeak, frameSamples, mulawDecode, mulawEncode, silence, tone } from "./audio.ts";
import { DtmfListener, dtmfKeyOf } from "./dtmf.ts";

const freqs: Record<string, [number, number]> = { "1": [697, 1209], "5": [770, 1336], "9": [852, 1477], "#": [941, 1477], "0": [941, 1336], A: [697, 1633] };

function keyTone(key: string, ms: number): Int16Array {
  const [low, high] = freqs[key] ?? [0, 0];
  const a = tone(low, ms, 0.3);
  const b = tone(high, ms, 0.35);
  return a.map((x, i) => x + (b[i] ?? 0));
}

function hear(pcm: Int16Array, offset = 0): string {
  const listener = new DtmfListener();
  const padded = new Int16Array(offset + pcm.length + frameSamples);
  padded.set(pcm, offset);
  let keys = "";
  for (let at = 0; at + frameSamples <= padded.length; at += frameSamples) keys += listener.push(padded.subarray(at, at + frameSamples)) ?? "";
  return keys;
}

function sequence(keys: string, toneMs: number, gapMs: number): Int16Array {
  const parts = [...keys].flatMap((k) => [keyTone(k, toneMs), silence(gapMs)]);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("hearing DTMF in the agent's audio", () => {
  it("hears each key of a 70 ms / 70 ms sequence once, whatever the alignment with 20 ms frames, through μ-law", () => {
    for (const offset of [0, 37, 99, 151]) expect(hear(mulawDecode(mulawEncode(sequence("159#0A", 70, 70))), offset)).toBe("159#0A");
  });

  it("hears a key held for long once, and the same key twice when pressed twice", () => {
    expect(hear(sequence("5", 400, 60))).toBe("5");
    expect(hear(sequence("55", 80, 80))).toBe("55");
  });

  it("does not hear keys in speech, a single tone or silence", () => {
    expect(hear(fliteSpeak("Please press one to confirm your booking, or two for the menu"))).toBe("");
    expect(dtmfKeyOf(tone(1000, 20, 0.5))).toBeNull();
    expect(dtmfKeyOf(new Int16Array(160))).toBeNull();
  });
});
