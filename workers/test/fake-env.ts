// Tests replace some of the Worker's bindings with fakes (a queue that records what it is sent, a
// binding left out to prove the warning) or pass a few settings alone. A fake implements only what
// the code under test calls, so it is typed as the Worker's env here, in this one place.
import type { WorkerEnv } from "../src/env.ts";

/** These bindings and settings as a Worker env (usually `{ ...env, SOME_QUEUE: fake }`). */
export function fakeEnv(bindings: Record<string, unknown>): WorkerEnv {
  return bindings as WorkerEnv;
}
