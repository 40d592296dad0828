// The env a Durable Object receives. The objects ship in the Worker's script (one wrangler.toml), so
// their bindings are the Worker's, typed by `wrangler types` (the ambient `Env` from
// workers/worker-configuration.d.ts). Secrets and settings are not in wrangler.toml: an object
// reads the few it needs through zod parsers (the database's, the Worker's config), so they stay
// `unknown` here. Objects may not import the Worker's files (scripts/deployable-imports.ts).
export type ObjectEnv = { [K in keyof Env]: Env[K] } & { readonly [setting: string]: unknown };
