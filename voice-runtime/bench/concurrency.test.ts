import { describe, expect, it } from "vitest";
import { carriedCalls, turnFigures } from "./concurrency.ts";
import type { SessionTrace } from "./concurrency-runtime.ts";

const trace = (over: Partial<SessionTrace> = {}): SessionTrace => ({ endsOfSpeech: [], providerMs: [], predictions: [], ended: true, ...over });

describe("turnFigures", () => {
  it("takes the providers' latencies between the VAD's last end of speech and the first reply audio out of the turn", () => {
    const figures = turnFigures([{ speechEndMs: 900, firstAudioMs: 1_420 }], trace({
      // An earlier end of speech (a pause inside the utterance) is not the one that ended the turn.
      endsOfSpeech: [500, 1_000],
      providerMs: [{ atMs: 800, ms: 999 }, { atMs: 1_100, ms: 100 }, { atMs: 1_300, ms: 200 }, { atMs: 1_410, ms: 100 }],
    }));
    expect(figures).toEqual({ overheads: [20], unsure: 0, failed: 0 });
  });

  it("counts a turn the end-of-turn model judged unfinished without timing it", () => {
    const figures = turnFigures([{ speechEndMs: 900, firstAudioMs: 2_500 }], trace({ endsOfSpeech: [1_000], predictions: [{ atMs: 1_010, probability: 0.1, threshold: 0.36 }] }));
    expect(figures).toEqual({ overheads: [], unsure: 1, failed: 0 });
  });

  it("fails a turn with no reply and every turn of a session the runtime never traced", () => {
    expect(turnFigures([{ speechEndMs: 900, firstAudioMs: Number.NaN }], trace({ endsOfSpeech: [1_000] })).failed).toBe(1);
    expect(turnFigures([{ speechEndMs: 900, firstAudioMs: 1_400 }, { speechEndMs: 3_000, firstAudioMs: 3_500 }], undefined).failed).toBe(2);
  });
});

describe("carriedCalls", () => {
  const round = (calls: number, overheads: number[], failedTurns = 0) => ({ calls, overheads, failedTurns, failedCalls: 0 });

  it("is the largest N before the first round whose overhead p99 exceeds the budget", () => {
    expect(carriedCalls([round(10, [5, 8, 12]), round(25, [9, 15, 19]), round(50, [12, 30, 41])], 20)).toBe(25);
  });

  it("does not count a larger N that passes after a smaller one failed, nor a round that lost a turn", () => {
    expect(carriedCalls([round(10, [5]), round(25, [50]), round(50, [10])], 20)).toBe(10);
    expect(carriedCalls([round(10, [5], 1), round(25, [5])], 20)).toBe(0);
  });
});
