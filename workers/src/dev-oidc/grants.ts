// What the development issuer remembers so that codes are single-use (RFC 6749 §4.1.2) and rotated
// refresh tokens die (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): the ids (jti) of used codes and
// refresh tokens, and the grants (the `sid` every token of one sign-in carries) revoked after a
// replay — each only until the token it concerns expires anyway. Tokens themselves stay signed JWTs.
//
// It lives in this isolate's memory: `npm run dev` and the Worker tests run one workerd isolate, so
// every request sees it. A restart forgets it: a refresh token issued before the restart can then
// be used once more. That is the trade of a development tool that needs no table.

/** Past this many entries, expired ones are dropped on the next write. */
const pruneAbove = 10_000;

export class GrantLedger {
  readonly #used = new Map<string, number>();
  readonly #revoked = new Map<string, number>();
  readonly #nowMs: () => number;

  constructor(nowMs: () => number = Date.now) {
    this.#nowMs = nowMs;
  }

  /** Records `jti` as used until `expiresAtS`; false when it already was (a replay). */
  use(jti: string, expiresAtS: number): boolean {
    const until = this.#used.get(jti);
    if (until !== undefined && until > this.#nowMs()) return false;
    this.#prune(this.#used);
    this.#used.set(jti, expiresAtS * 1000);
    return true;
  }

  /** Refuses every token of grant `sid` from now until `untilS`. */
  revoke(sid: string, untilS: number): void {
    this.#prune(this.#revoked);
    this.#revoked.set(sid, Math.max(untilS * 1000, this.#revoked.get(sid) ?? 0));
  }

  isRevoked(sid: string): boolean {
    return (this.#revoked.get(sid) ?? 0) > this.#nowMs();
  }

  #prune(map: Map<string, number>): void {
    if (map.size < pruneAbove) return;
    const now = this.#nowMs();
    for (const [k, until] of map) if (until <= now) map.delete(k);
  }
}

/** The issuer's one ledger in this isolate (see above for why memory is enough). */
export const grantLedger = new GrantLedger();
