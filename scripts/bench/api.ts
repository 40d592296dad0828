// GET /v1/spaces (authenticated, database hit) against GET /healthz of the same Worker, both
// under 20 concurrent clients, in alternating rounds so machine noise hits both alike.
import { fmt, summary } from "./stats.ts";

const clients = 20;
const perClientPerRound = 25;
const rounds = 4;

/** A dev issuer token of a seeded identity (the demo space's Owner unless named). */
export async function token(base: string, username = "owner@speaknode.local"): Promise<string> {
  const res = await fetch(`${base}/dev/oidc/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: "bench", username, password: "speaknode" }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${res.status}`);
  return body.access_token;
}

export async function load(url: string, init: RequestInit, perClient: number, concurrency = clients): Promise<number[]> {
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        const res = await fetch(url, init);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        samples.push(performance.now() - t0);
      }
    }),
  );
  return samples;
}

export async function apiBench(base: string): Promise<string[]> {
  const auth = { authorization: `Bearer ${await token(base)}` };
  const spacesUrl = `${base}/v1/spaces`;
  const healthUrl = `${base}/healthz`;
  await load(healthUrl, {}, 5);
  await load(spacesUrl, { headers: auth }, 5);
  const health: number[] = [];
  const spaces: number[] = [];
  for (let r = 0; r < rounds; r++) {
    health.push(...(await load(healthUrl, {}, perClientPerRound)));
    spaces.push(...(await load(spacesUrl, { headers: auth }, perClientPerRound)));
  }
  const h = summary(health);
  const s = summary(spaces);
  return [
    `BENCH api.spaces_vs_healthz.p50_ratio=${fmt(s.p50 / h.p50)} x`,
    `BENCH api.spaces_vs_healthz.p99_ratio=${fmt(s.p99 / h.p99)} x`,
    `BENCH api.healthz.p50_ms=${fmt(h.p50)} ms`,
    `BENCH api.healthz.p99_ms=${fmt(h.p99)} ms`,
    `BENCH api.spaces.p50_ms=${fmt(s.p50)} ms`,
    `BENCH api.spaces.p99_ms=${fmt(s.p99)} ms`,
    `(${clients} concurrent clients, ${s.n} requests per route in ${rounds} alternating rounds; /v1/spaces verifies an RS256 token, looks up the user and lists spaces through Neon's driver → local proxy → PGlite)`,
  ];
}
