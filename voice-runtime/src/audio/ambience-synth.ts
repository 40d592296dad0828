// Synthesised background beds: the sounds no recording ships for (cafe, call-center, street,
// nature, and office as a fallback). Shaped noise beds with slow modulation and sparse events
// (murmur of voices, typing, cups, passing cars, wind, birds), generated sample by sample forever,
// so they never repeat and have no seam. SYNTHESISED, not recorded.
import type { BackgroundSource } from "./types.ts";

const fadeInMs = 50;

/** Deterministic randomness (mulberry32), so a seed gives the same bed. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
}

/** What a bed is built from: its rate and noise whose level per hertz does not depend on the rate. */
class Kit {
  readonly rateHz: number;
  readonly rng: Rng;
  private readonly noiseScale: number;
  constructor(rateHz: number, seed: number) {
    this.rateHz = rateHz;
    this.rng = new Rng(seed);
    this.noiseScale = Math.sqrt(3 * (rateHz / 16000));
  }
  /** White noise, variance 1 at 16 kHz (so the same loudness in any band at any rate). */
  noise(): number {
    return (this.rng.next() * 2 - 1) * this.noiseScale;
  }
  /** True on average `perSecond` times a second. */
  chance(perSecond: number): boolean {
    return this.rng.next() < perSecond / this.rateHz;
  }
  /** A frequency kept below the Nyquist rate. */
  hz(f: number): number {
    return Math.min(f, 0.45 * this.rateHz);
  }
  biquad(kind: "lowpass" | "highpass" | "bandpass", hz: number, q = 0.707): Biquad {
    return new Biquad(kind, this.hz(hz) / this.rateHz, q);
  }
}

class Biquad {
  private b0 = 0;
  private b1 = 0;
  private b2 = 0;
  private a1 = 0;
  private a2 = 0;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;
  private readonly kind: "lowpass" | "highpass" | "bandpass";
  constructor(kind: "lowpass" | "highpass" | "bandpass", cyclesPerSample: number, q: number) {
    this.kind = kind;
    this.tune(cyclesPerSample, q);
  }
  /** RBJ cookbook coefficients; retuning keeps the state, so a moving filter does not click. */
  tune(cyclesPerSample: number, q: number): void {
    const w = 2 * Math.PI * Math.min(cyclesPerSample, 0.45);
    const alpha = Math.sin(w) / (2 * q);
    const cos = Math.cos(w);
    const a0 = 1 + alpha;
    const [b0, b1, b2] = this.kind === "lowpass" ? [(1 - cos) / 2, 1 - cos, (1 - cos) / 2] : this.kind === "highpass" ? [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2] : [alpha, 0, -alpha];
    this.b0 = b0 / a0;
    this.b1 = b1 / a0;
    this.b2 = b2 / a0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }
  process(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** A value that drifts between `lo` and `hi`, heading for a new random target every few seconds. */
class Wander {
  private value: number;
  private target: number;
  private readonly kit: Kit;
  private readonly lo: number;
  private readonly hi: number;
  private readonly step: number;
  private readonly changesPerSecond: number;
  constructor(kit: Kit, lo: number, hi: number, seconds: number) {
    this.kit = kit;
    this.lo = lo;
    this.hi = hi;
    this.value = this.target = kit.rng.between(lo, hi);
    this.step = 1 / (seconds * kit.rateHz);
    this.changesPerSecond = 1 / seconds;
  }
  next(): number {
    if (this.kit.chance(this.changesPerSecond)) this.target = this.kit.rng.between(this.lo, this.hi);
    this.value += (this.target - this.value) * this.step * 3;
    return this.value;
  }
}

/** Sparse sounds that come and go: each lives until its generator returns null. */
class Events {
  private live: Array<() => number | null> = [];
  add(event: () => number | null): void {
    this.live.push(event);
  }
  next(): number {
    let sum = 0;
    let kept = 0;
    for (const event of this.live) {
      const v = event();
      if (v === null) continue;
      sum += v;
      this.live[kept++] = event;
    }
    this.live.length = kept;
    return sum;
  }
}

/** A decaying burst of filtered noise — a key, a footstep, a clink's body. */
function burst(kit: Kit, filter: Biquad, amplitude: number, decayMs: number): () => number | null {
  let env = amplitude;
  const k = Math.exp(-1000 / (decayMs * kit.rateHz));
  return () => ((env *= k) < amplitude * 0.001 ? null : filter.process(kit.noise()) * env);
}

/** A tone of `partials` (hz, level) with an attack and an exponential decay — a cup, a horn, a chirp. */
function tone(kit: Kit, opts: { partials: Array<[number, number]>; attackMs: number; decayMs: number; lengthMs: number; glide?: number }): () => number | null {
  const total = Math.round((kit.rateHz * opts.lengthMs) / 1000);
  const attack = Math.max(1, (kit.rateHz * opts.attackMs) / 1000);
  const k = Math.exp(-1000 / (opts.decayMs * kit.rateHz));
  const phases = opts.partials.map(() => 0);
  let t = 0;
  let env = 1;
  return () => {
    if (t >= total) return null;
    const glide = 1 + (opts.glide ?? 0) * (t / total);
    let v = 0;
    opts.partials.forEach(([hz, level], i) => {
      if (hz * glide >= 0.45 * kit.rateHz) return;
      phases[i]! += (2 * Math.PI * hz * glide) / kit.rateHz;
      v += level * Math.sin(phases[i]!);
    });
    // a short release at the end, so a cut-off never clicks
    const release = Math.min(1, (total - t) / attack);
    const rise = Math.min(1, t / attack);
    env *= k;
    t++;
    return v * env * rise * release;
  };
}

/**
 * One distant talker: a breathy buzz at a speaking pitch through two vowel formants that change
 * every syllable, syllables in phrases, phrases between pauses.
 */
function talker(kit: Kit): () => number {
  const f1 = kit.biquad("bandpass", 500, 4);
  const f2 = kit.biquad("bandpass", 1500, 5);
  const pitch = kit.rng.between(95, 230) / kit.rateHz;
  let phase = 0;
  let syllableLeft = 0;
  let syllableLength = 1;
  let talking = kit.rng.next() < 0.5;
  let phraseLeft = kit.rng.between(0.5, 4) * kit.rateHz;
  return () => {
    if (--phraseLeft <= 0) {
      talking = !talking;
      phraseLeft = (talking ? kit.rng.between(1.5, 6) : kit.rng.between(0.8, 4)) * kit.rateHz;
    }
    if (--syllableLeft <= 0) {
      syllableLength = syllableLeft = kit.rng.between(0.12, 0.28) * kit.rateHz;
      f1.tune(kit.rng.between(300, 850) / kit.rateHz, 4);
      f2.tune(kit.hz(kit.rng.between(900, 2400)) / kit.rateHz, 5);
    }
    // silent between phrases; every syllable starts from zero, so nothing clicks when it resumes
    if (!talking) return 0;
    phase += pitch;
    if (phase >= 1) phase -= 1;
    // a rounded glottal pulse (a hard-edged one would alias into a rasp) plus breath
    const pulse = phase < 0.1 ? 12 * phase * 10 * (1 - phase * 10) : 0;
    const source = pulse + kit.noise() * 0.6;
    const x = syllableLeft / syllableLength;
    return (f1.process(source) + 0.6 * f2.process(source)) * 4 * x * (1 - x);
  };
}

/**
 * A murmur of `count` talkers, softened as if across a room. Voices muffled that much need no more
 * than 8 kHz, so they are made at that rate and interpolated up (the room's filter removes what the
 * interpolation adds above it): the talkers are most of a bed's cost.
 */
function murmur(kit: Kit, count: number, lowpassHz: number): () => number {
  const factor = Math.max(1, Math.floor(kit.rateHz / 8000));
  const slow = new Kit(kit.rateHz / factor, Math.floor(kit.rng.next() * 2 ** 31));
  const talkers = Array.from({ length: count }, () => talker(slow));
  const room = kit.biquad("lowpass", lowpassHz);
  const room2 = kit.biquad("lowpass", lowpassHz);
  const scale = 1 / Math.sqrt(count);
  let previous = 0;
  let current = 0;
  let phase = 0;
  return () => {
    if (phase === 0) {
      previous = current;
      current = 0;
      for (const t of talkers) current += t();
    }
    const v = previous + ((current - previous) * phase) / factor;
    phase = (phase + 1) % factor;
    return room2.process(room.process(v)) * scale;
  };
}

/** One person typing: keys in bursts of a few seconds, with pauses between. */
function typist(kit: Kit, events: Events, level: number): () => void {
  let typing = false;
  let left = kit.rng.between(0.5, 4) * kit.rateHz;
  let untilKey = 0;
  return () => {
    if (--left <= 0) {
      typing = !typing;
      left = (typing ? kit.rng.between(1, 5) : kit.rng.between(2, 10)) * kit.rateHz;
    }
    if (!typing || --untilKey > 0) return;
    untilKey = kit.rng.between(0.07, 0.3) * kit.rateHz;
    const loud = level * kit.rng.between(0.5, 1);
    events.add(burst(kit, kit.biquad("highpass", 1800), loud, kit.rng.between(3, 7)));
    events.add(burst(kit, kit.biquad("bandpass", kit.rng.between(250, 450), 3), loud * 0.8, 12));
  };
}

/** Steady air handling: low pink-ish rumble. */
function hum(kit: Kit, lowpassHz: number): () => number {
  const lp = kit.biquad("lowpass", lowpassHz);
  const lp2 = kit.biquad("lowpass", lowpassHz * 2);
  return () => lp.process(kit.noise()) + 0.3 * lp2.process(kit.noise());
}

type Bed = (kit: Kit) => () => number;

export const officeBed: Bed = (kit) => {
  const events = new Events();
  const air = hum(kit, 250);
  const voices = murmur(kit, 3, 1500);
  const typists = [typist(kit, events, 0.5), typist(kit, events, 0.3)];
  return () => {
    for (const t of typists) t();
    return 1.2 * air() + 0.7 * voices() + events.next();
  };
};

export const cafeBed: Bed = (kit) => {
  const events = new Events();
  const air = hum(kit, 200);
  const voices = murmur(kit, 8, 2500);
  const swell = new Wander(kit, 0.7, 1.1, 6);
  const steam = kit.biquad("bandpass", 4500, 1.5);
  let steamLeft = 0;
  return () => {
    // cups and spoons
    if (kit.chance(0.5)) {
      const base = kit.rng.between(2200, 3800);
      events.add(tone(kit, { partials: [[base, 0.12], [base * 1.63, 0.07], [base * 2.7, 0.04]], attackMs: 1, decayMs: kit.rng.between(40, 120), lengthMs: 500 }));
    }
    // now and then the espresso machine
    if (steamLeft <= 0 && kit.chance(1 / 40)) steamLeft = kit.rng.between(1.5, 4) * kit.rateHz;
    const hiss = steamLeft > 0 ? steam.process(kit.noise()) * 0.25 * Math.min(1, steamLeft-- / (0.2 * kit.rateHz)) : 0;
    return 0.8 * air() + voices() * swell.next() + hiss + events.next();
  };
};

export const callCenterBed: Bed = (kit) => {
  const events = new Events();
  const air = hum(kit, 300);
  const voices = murmur(kit, 6, 3200);
  const typists = [typist(kit, events, 0.4), typist(kit, events, 0.35), typist(kit, events, 0.25)];
  return () => {
    for (const t of typists) t();
    return 0.8 * air() + 1.1 * voices() + events.next();
  };
};

export const streetBed: Bed = (kit) => {
  const events = new Events();
  const rumble = hum(kit, 120);
  const city = kit.biquad("lowpass", 1800);
  return () => {
    // a car passes: a swell of road noise that brightens as it nears
    if (kit.chance(1 / 5)) {
      const length = kit.rng.between(3, 8) * kit.rateHz;
      const peak = kit.rng.between(0.4, 1);
      const road = kit.biquad("lowpass", 300);
      let t = 0;
      let near = 0;
      events.add(() => {
        if (t >= length) return null;
        // the car moves slowly next to the sample rate: retune every few ms
        if (t % 64 === 0) {
          near = Math.sin((Math.PI * t) / length) ** 2;
          road.tune(kit.hz(250 + 900 * near) / kit.rateHz, 0.707);
        }
        t++;
        return road.process(kit.noise()) * near * peak;
      });
    }
    // a distant horn, rarely
    if (kit.chance(1 / 30)) {
      const hz = kit.rng.between(350, 480);
      events.add(tone(kit, { partials: [[hz, 0.06], [hz * 1.26, 0.05], [hz * 2, 0.03]], attackMs: 30, decayMs: 3000, lengthMs: kit.rng.between(250, 700) }));
    }
    return 1.2 * rumble() + 0.25 * city.process(kit.noise()) + events.next();
  };
};

export const natureBed: Bed = (kit) => {
  const events = new Events();
  const gust = new Wander(kit, 0.5, 1, 5);
  const bright = new Wander(kit, 300, 900, 4);
  const wind = kit.biquad("lowpass", 500);
  const leaves = kit.biquad("highpass", 2500);
  const flutter = new Wander(kit, 0, 1, 0.15);
  let tuneIn = 0;
  const birds = [kit.rng.between(2500, 3500), kit.rng.between(3800, 5000)];
  return () => {
    const g = gust.next();
    // retuning every few ms is plenty for wind
    if (--tuneIn <= 0) {
      wind.tune(kit.hz(bright.next()) / kit.rateHz, 0.707);
      tuneIn = 64;
    }
    // a bird sings a phrase of a few chirps
    if (kit.chance(1 / 4)) {
      const hz = birds[kit.rng.next() < 0.5 ? 0 : 1]!;
      const chirps = Math.floor(kit.rng.between(2, 6));
      let gap = 0;
      for (let i = 0; i < chirps; i++) {
        const chirp = tone(kit, { partials: [[hz * kit.rng.between(0.9, 1.1), 0.08]], attackMs: 8, decayMs: 80, lengthMs: kit.rng.between(50, 120), glide: kit.rng.between(-0.3, 0.4) });
        let wait = Math.round(gap * kit.rateHz);
        events.add(() => (wait-- > 0 ? 0 : chirp()));
        gap += kit.rng.between(0.1, 0.2);
      }
    }
    return 1.3 * wind.process(kit.noise()) * g + 0.25 * leaves.process(kit.noise()) * g * g * flutter.next() + events.next();
  };
};

/** Gains that bring each bed to `targetRms`, measured over a few minutes of each. */
const bedGain = new Map<Bed, number>([
  [officeBed, 0.4],
  [cafeBed, 0.4],
  [callCenterBed, 0.35],
  [streetBed, 0.37],
  [natureBed, 0.42],
]);

/**
 * The bed is synthesised at no more than 24 kHz (nothing in it needs more) and interpolated up to
 * the call's rate, which keeps a 48 kHz bed within a few percent of one core's time per call.
 */
export function synthSource(bed: Bed, sampleRateHz: number, seed: number): BackgroundSource {
  const factor = Math.max(1, Math.ceil(sampleRateHz / 24000));
  const next = bed(new Kit(sampleRateHz / factor, seed));
  const gain = bedGain.get(bed) ?? 1;
  const fadeSamples = (sampleRateHz * fadeInMs) / 1000;
  let t = 0;
  let previous = 0;
  let current = 0;
  let phase = 0;
  return {
    sampleRateHz,
    read(count: number): Int16Array {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) {
        if (phase === 0) {
          previous = current;
          // tanh: a soft ceiling for the rare moment events pile up
          current = Math.tanh(next() * gain);
        }
        const v = previous + ((current - previous) * phase) / factor;
        phase = (phase + 1) % factor;
        out[i] = Math.round(v * 32767 * Math.min(1, t++ / fadeSamples));
      }
      return out;
    },
  };
}
