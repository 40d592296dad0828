// Hearing the keys the agent presses: the platform sends DTMF in band (tones mixed into its audio,
// as a phone does), so the simulated line listens for them the way an IVR would — a Goertzel filter
// at the eight ITU-T Q.23 frequencies over each 20 ms frame; a key counts once it holds for two
// frames, and again only after a frame without it.

const rows = [697, 770, 852, 941];
const columns = [1209, 1336, 1477, 1633];
const keypad = ["123A", "456B", "789C", "*0#D"];

function goertzelPower(frame: Int16Array, frequencyHz: number, sampleRateHz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRateHz);
  let s1 = 0;
  let s2 = 0;
  for (const x of frame) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** The key one frame carries, or null. */
export function dtmfKeyOf(frame: Int16Array, sampleRateHz = 8000): string | null {
  let energy = 0;
  for (const x of frame) energy += x * x;
  // Below about -45 dBFS nothing counts as a key.
  if (energy / frame.length < (32768 * 10 ** (-45 / 20)) ** 2) return null;
  const rowPowers = rows.map((f) => goertzelPower(frame, f, sampleRateHz));
  const columnPowers = columns.map((f) => goertzelPower(frame, f, sampleRateHz));
  const best = (powers: number[]): number => powers.indexOf(Math.max(...powers));
  const r = best(rowPowers);
  const c = best(columnPowers);
  const rowPower = rowPowers[r] ?? 0;
  const columnPower = columnPowers[c] ?? 0;
  // Each tone stands 6 dB above the rest of its group, the two are within 8 dB of each other (twist),
  // and together they hold most of the frame's energy (speech does not).
  if (rowPowers.some((p, i) => i !== r && p * 4 > rowPower)) return null;
  if (columnPowers.some((p, i) => i !== c && p * 4 > columnPower)) return null;
  if (rowPower > columnPower * 6.3 || columnPower > rowPower * 6.3) return null;
  // A pure tone of amplitude A gives a Goertzel power of (A·N/2)², its energy is A²·N/2.
  const toneEnergy = ((rowPower + columnPower) * 2) / frame.length;
  if (toneEnergy < energy * 0.6) return null;
  return keypad[r]?.[c] ?? null;
}

export class DtmfListener {
  #candidate: string | null = null;
  #held = 0;
  #reported = false;

  /** Feeds one frame; returns a key when one has just been pressed. */
  push(frame: Int16Array): string | null {
    const key = dtmfKeyOf(frame);
    if (key === null || key !== this.#candidate) {
      this.#candidate = key;
      this.#held = key === null ? 0 : 1;
      this.#reported = false;
      return null;
    }
    this.#held++;
    if (this.#held >= 2 && !this.#reported) {
      this.#reported = true;
      return key;
    }
    return null;
  }
}
