// RateLimiter: one Durable Object per key (`ip:…`, `agent:…`) counting hits in fixed windows.
// The count lives in memory on purpose: a limit is a soft guard, and an eviction that resets a
// window errs toward letting a caller through rather than blocking one wrongly.
import { DurableObject } from "cloudflare:workers";
import type { ObjectEnv } from "../shared/env.ts";

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

export class RateLimiter extends DurableObject<ObjectEnv> {
  #windowStart = 0;
  #count = 0;

  async hit(limit: number, windowMs: number): Promise<RateLimitVerdict> {
    const now = Date.now();
    if (now - this.#windowStart >= windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count >= limit) return { allowed: false, remaining: 0, retryAfterMs: this.#windowStart + windowMs - now };
    this.#count++;
    return { allowed: true, remaining: limit - this.#count, retryAfterMs: 0 };
  }
}
