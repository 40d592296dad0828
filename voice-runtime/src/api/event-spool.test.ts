// Spools that outlive their process: a runtime that dies mid-call leaves its session's events on
// disk, and the next runtime process (a new EventSpool over the same directory) delivers them.
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RuntimeEventBody, type RuntimeEvent } from "@speaknode/contracts";
import { sessionId as newSessionId } from "../../test/fixtures.ts";
import { EventSpool } from "./event-spool.ts";
import type { EventPoster } from "./event-sink.ts";

/** Keeps events once per id, like the Worker; refuses connections while `down`. */
function platform() {
  const state = { down: false, stored: [] as { sessionId: string; eventId: string; event: RuntimeEvent }[] };
  const api: EventPoster = {
    postEvent: async (sessionId, eventId, event) => {
      if (state.down) throw new TypeError("fetch failed: connect ECONNREFUSED");
      if (!state.stored.some((s) => s.sessionId === sessionId && s.eventId === eventId)) state.stored.push({ sessionId, eventId, event });
    },
  };
  return { api, state, of: (sessionId: string) => state.stored.filter((s) => s.sessionId === sessionId).map((s) => s.event) };
}

function turn(n: number): RuntimeEvent {
  const at = "2026-01-01T00:00:00.000Z";
  return { type: "turn", turnId: `u${n}`, role: "user", text: `turn ${n}`, language: "en-US", startedAt: at, endedAt: at, interrupted: false, metrics: {} };
}

const fast = { retryBaseMs: 5, retryMaxMs: 20 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "speaknode-spool-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const linesIn = async (path: string) => (await readFile(path, "utf8")).split("\n").filter((l) => l.length > 0);

describe("the event spool", () => {
  it("delivers, after a restart, the events a runtime that died mid-call left on disk, in order and once", async () => {
    const sid = newSessionId();
    const before = platform();
    before.state.down = true;
    const dying = new EventSpool({ dir, api: before.api, ...fast });
    const sink = dying.open(sid);
    sink.push({ type: "agent.ready" });
    const tool: RuntimeEvent = { type: "tool.call", toolCallId: "call_1", name: "check_order", request: { orderId: "42" }, status: "ok", latencyMs: 80 };
    const events = [turn(1), tool, turn(2), turn(3)];
    for (const e of events) sink.push(e);
    await expect.poll(() => readdir(dir)).toHaveLength(1);
    const [file] = await readdir(dir);
    if (!file) throw new Error("no spool file");
    await expect.poll(() => linesIn(join(dir, file))).toHaveLength(5);
    // The process dies: delivery stops, and its last append was torn halfway.
    await sink.stop();
    await appendFile(join(dir, file), '{"eventId":"turn-6","event":{"type":"tu');

    const after = platform();
    const restarted = new EventSpool({ dir, api: after.api, ...fast });
    expect(await restarted.recover()).toBe(1);
    await expect.poll(() => after.of(sid).length).toBe(5);
    expect(after.of(sid)).toEqual([{ type: "agent.ready" }, ...events]);
    await expect.poll(() => readdir(dir)).toEqual([]);
    // A second sweep finds nothing left to deliver.
    expect(await restarted.recover()).toBe(0);
  });

  it("keeps delivering a recovered spool while the API is still down, and removes it once delivered", async () => {
    const sid = newSessionId();
    const body = [turn(1), turn(2)].map((event, i) => JSON.stringify(RuntimeEventBody.parse({ eventId: `turn-${i + 1}`, event })) + "\n").join("");
    await writeFile(join(dir, `${sid}.${process.pid}.events.jsonl`), body);
    const { api, state, of } = platform();
    state.down = true;
    const spool = new EventSpool({ dir, api, ...fast });
    await spool.recover();
    await new Promise((r) => setTimeout(r, 100));
    expect(of(sid)).toEqual([]);
    expect(await readdir(dir)).toHaveLength(1);
    state.down = false;
    await expect.poll(() => of(sid)).toEqual([turn(1), turn(2)]);
    await expect.poll(() => spool.sinks).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("delivers a left spool through one sink even when two sweeps overlap", async () => {
    const sid = newSessionId();
    const body = [turn(1), turn(2)].map((event, i) => JSON.stringify(RuntimeEventBody.parse({ eventId: `turn-${i + 1}`, event })) + "\n").join("");
    await writeFile(join(dir, `${sid}.${process.pid}.events.jsonl`), body);
    const { api, of } = platform();
    const spool = new EventSpool({ dir, api, ...fast });
    const found = await Promise.all([spool.recover(), spool.recover()]);
    expect(found[0] + found[1]).toBe(1);
    await expect.poll(() => of(sid)).toEqual([turn(1), turn(2)]);
    await expect.poll(() => spool.sinks).toEqual([]);
  });

  it("leaves alone the spool of a runtime process that is still alive", async () => {
    const sid = newSessionId();
    const { api, of } = platform();
    // The parent process (vitest's) is alive: its spool is its own to deliver.
    const other = new EventSpool({ dir, api, pid: process.ppid, ...fast });
    const live = other.open(sid);
    live.push(turn(1));
    await live.flush();
    const spool = new EventSpool({ dir, api, ...fast });
    expect(await spool.recover()).toBe(0);
    expect(await readdir(dir)).toEqual([`${sid}.${process.ppid}.events.jsonl`]);
    expect(of(sid)).toEqual([turn(1)]);
  });

  it("empties a live session's spool once everything in it was delivered, and removes it at the session's end", async () => {
    const sid = newSessionId();
    const { api } = platform();
    const sink = new EventSpool({ dir, api, ...fast }).open(sid);
    sink.push(turn(1));
    sink.push(turn(2));
    await sink.flush();
    const file = join(dir, `${sid}.${process.pid}.events.jsonl`);
    expect(await linesIn(file)).toEqual([]);
    await sink.send({ type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 10, audioAvailable: false });
    await expect.poll(() => sink.done).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});
