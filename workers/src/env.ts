// The Worker's env, typed. Its bindings and [vars] come from wrangler.toml through `wrangler types`
// (`npm run types:workers` → workers/worker-configuration.d.ts, `Env`; scripts/worker-types.test.ts
// fails when that file is stale). Secrets and optional settings are not in wrangler.toml: their
// names are the keys config.ts validates, each an optional string until readConfig parses it.
// Durable Objects get the same env, so they use this type too.
import type { ConfigVars } from "./config.ts";

// Worker code is also compiled by Node-side programs (scripts and e2e import a few helpers), which do
// not load the generated file: there `Env` is this empty declaration, merged with the generated one
// in the Worker's own program.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Env {}
}

type Merged = Env & ConfigVars;

/** A mapped type rather than an interface, so an env is still assignable where a plain
 *  `Record<string, unknown>` is expected (the database options read it as one). */
export type WorkerEnv = { [K in keyof Merged]: Merged[K] };
