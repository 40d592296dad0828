import { describe, expect, it } from "vitest";
import { announceDomainEvents, webhooksQueueBinding } from "./events.ts";

function recordingQueue(failOnBatch?: number) {
  const batches: unknown[][] = [];
  return {
    batches,
    env: {
      [webhooksQueueBinding]: {
        send: async () => undefined,
        sendBatch: async (messages: Iterable<{ body: unknown }>) => {
          if (batches.length + 1 === failOnBatch) {
            batches.push([]);
            throw new Error("queue unavailable");
          }
          batches.push([...messages].map((m) => m.body));
        },
      },
    },
  };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `evt_${String(i).padStart(26, "0")}`);

describe("announcing domain events on the webhooks queue", () => {
  it("sends fan-out messages in batches the queue takes (at most 100), skipping nulls", async () => {
    const q = recordingQueue();
    expect(await announceDomainEvents(q.env, [...ids(250), null])).toBe(250);
    expect(q.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(q.batches[0]![0]).toEqual({ kind: "fanout", eventId: ids(1)[0] });
  });

  it("never throws: a failed batch is left to the sweep and the others are still sent", async () => {
    const q = recordingQueue(2);
    expect(await announceDomainEvents(q.env, ids(250))).toBe(150);
    expect(await announceDomainEvents({}, ids(3))).toBe(0);
  });
});
