// A test case's tool mocks: the first mock (in the case's order) whose tool and arguments match
// answers a webhook tool's call instead of its API — `any` every call, `exact` these arguments
// exactly, `subset` at least these (deep). A call no mock matches is answered with a tool error
// and remembered: it fails the case, since a test must never reach a real API.
import type { ToolMock } from "@speaknode/contracts";
import type { MockAnswer } from "../tools/types.ts";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Same JSON value, whatever the order of object keys. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return a === b;
}

/**
 * `actual` has at least what `expected` has: each of an object's keys, recursively; an array
 * item by item (same length); any other value equal.
 */
export function deepSubset(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((x, i) => deepSubset(x, actual[i]));
  if (isRecord(expected)) return isRecord(actual) && Object.keys(expected).every((k) => Object.hasOwn(actual, k) && deepSubset(expected[k], actual[k]));
  return expected === actual;
}

export function mockMatches(mock: ToolMock, tool: string, args: Record<string, unknown>): boolean {
  if (mock.tool !== tool) return false;
  if (mock.match === "any") return true;
  const wanted = mock.arguments ?? {};
  return mock.match === "exact" ? deepEqual(wanted, args) : deepSubset(wanted, args);
}

export function findMock(mocks: readonly ToolMock[], tool: string, args: Record<string, unknown>): ToolMock | undefined {
  return mocks.find((m) => mockMatches(m, tool, args));
}

export interface UnmockedCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** The caller's turn it happened in (0: before the first line). */
  turn: number;
}

/** The case's mocks as webhook tools consult them (hooks.mock), keeping the calls none matched. */
export class MockBook {
  readonly #mocks: readonly ToolMock[];
  readonly #turn: () => number;
  readonly unmocked: UnmockedCall[] = [];

  /** `turn` tells which caller turn is under way, for the failure of an unmocked call. */
  constructor(mocks: readonly ToolMock[], turn: () => number) {
    this.#mocks = mocks;
    this.#turn = turn;
  }

  answer(tool: string, args: Record<string, unknown>): MockAnswer {
    const mock = findMock(this.#mocks, tool, args);
    if (!mock) {
      this.unmocked.push({ tool, arguments: args, turn: this.#turn() });
      return { error: `no mock of ${tool} matches these arguments (a test never calls the real API)` };
    }
    return mock.error !== undefined ? { error: mock.error } : { output: mock.output ?? null };
  }

  isMocked(tool: string, args: Record<string, unknown>): boolean {
    return findMock(this.#mocks, tool, args) !== undefined;
  }
}
