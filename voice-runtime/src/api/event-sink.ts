// Reports one session's events to the runtime API in the order they happened, each with a stable
// id (so a retried delivery is a duplicate, never a second row). Posting never blocks the
// conversation: events queue here and a single loop delivers them. Partial transcripts are
// coalesced (only the newest per turn waits in the queue) and dropped if delivery fails.
import type { RuntimeEvent } from "@speaknode/contracts";
import { errorFields, log } from "../log.ts";
import type { RuntimeApi } from "./client.ts";

export class EventSink {
  readonly #api: RuntimeApi;
  readonly #sessionId: string;
  readonly #queue: { eventId: string; event: RuntimeEvent }[] = [];
  #seq = 0;
  #running: Promise<void> | undefined;
  #failures = 0;

  constructor(api: RuntimeApi, sessionId: string) {
    this.#api = api;
    this.#sessionId = sessionId;
  }

  /** Events that could not be delivered after every retry. */
  get failures(): number {
    return this.#failures;
  }

  push(event: RuntimeEvent): void {
    if (event.type === "transcript.partial") {
      const stale = this.#queue.findIndex((q) => q.event.type === "transcript.partial" && q.event.turnId === event.turnId);
      if (stale >= 0) this.#queue.splice(stale, 1);
    }
    this.#seq += 1;
    this.#queue.push({ eventId: `${event.type}-${this.#seq}`, event });
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /** Sends `event` after everything queued and resolves when it was accepted (throws if refused). */
  async send(event: RuntimeEvent): Promise<void> {
    await this.flush();
    this.#seq += 1;
    await this.#api.postEvent(this.#sessionId, `${event.type}-${this.#seq}`, event);
  }

  /** Resolves when everything queued so far was delivered (or given up on). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      try {
        await this.#api.postEvent(this.#sessionId, next.eventId, next.event);
      } catch (err) {
        if (next.event.type === "transcript.partial") continue;
        this.#failures += 1;
        log.error("runtime event not delivered", { sessionId: this.#sessionId, eventType: next.event.type, ...errorFields(err) });
      }
    }
  }
}
