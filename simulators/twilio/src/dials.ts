// What the platform asked of `POST …/Calls.json`, per destination, and the knobs campaigns need to
// measure a dialer: a fixed latency before Twilio answers a create-call request. Not Twilio's (it has
// no such report); the control API serves it under /sim so tests and benches can prove a destination
// was never dialled twice at once.
//   GET /sim/dials → {dials: DialStats[]}   ·   GET/PUT /sim/config {createCallLatencyMs}

/** One destination: create-call requests received, calls created, and the most live at once. */
export interface DialStats {
  to: string;
  /** Every authenticated POST Calls.json naming this `To`, refused ones included. */
  requests: number;
  /** Calls created (201). */
  created: number;
  /** The most calls to this number not yet over at the same moment (queued … in-progress). */
  maxLive: number;
}

export interface SimConfig {
  /** Milliseconds every POST Calls.json waits before it is handled (a provider of fixed latency). */
  createCallLatencyMs: number;
}

export const maxCreateCallLatencyMs = 60_000;

export class DialBook {
  readonly #byTo = new Map<string, DialStats>();

  #stats(to: string): DialStats {
    let s = this.#byTo.get(to);
    if (!s) {
      s = { to, requests: 0, created: 0, maxLive: 0 };
      this.#byTo.set(to, s);
    }
    return s;
  }

  requested(to: string): void {
    this.#stats(to).requests++;
  }

  /** A call to `to` was created while `live` calls to it (this one included) were not over. */
  created(to: string, live: number): void {
    const s = this.#stats(to);
    s.created++;
    s.maxLive = Math.max(s.maxLive, live);
  }

  list(to?: string | null): DialStats[] {
    const all = to ? [this.#byTo.get(to)].filter((s): s is DialStats => s !== undefined) : [...this.#byTo.values()];
    return all.map((s) => ({ ...s }));
  }
}

/** The body of PUT /sim/config, checked; an error message for a bad one. */
export function parseConfig(body: Record<string, unknown>, current: SimConfig): SimConfig | { error: string } {
  const next = { ...current };
  for (const key of Object.keys(body)) if (key !== "createCallLatencyMs") return { error: `unknown setting ${key}` };
  const latency = body["createCallLatencyMs"];
  if (latency !== undefined) {
    if (typeof latency !== "number" || !Number.isInteger(latency) || latency < 0 || latency > maxCreateCallLatencyMs) return { error: `createCallLatencyMs must be an integer 0..${maxCreateCallLatencyMs}` };
    next.createCallLatencyMs = latency;
  }
  return next;
}
