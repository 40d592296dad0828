// Tool codes (the names the LLM calls) for every operation of a document at once, so a code does
// not depend on which operations are converted. A code is the snake_case operationId (else method
// and path); one longer than 64 characters is shortened by whole words — repeated words and path
// parameter names first, then the words right after the verb — keeping the verb and the last
// nouns (Stripe's `PostTestHelpersIssuingAuthorizationsAuthorizationFinalizeAmount` becomes
// `post_test_helpers_issuing_authorizations_finalize_amount`). Shortened codes that meet another
// code take back a word that tells them apart; `_2` is left for ids that really are the same.
import { toolCodePattern } from "@speaknode/contracts";

const maxCodeLength = 64;

export interface CodeSource {
  operationId?: string;
  method: string;
  path: string;
}

/** `getOrderByID` → [get, order, by, id]; accents dropped ("créer" → "creer" rather than "cr_er"). */
export function codeWords(raw: string): string[] {
  return raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

function joined(words: readonly string[]): string {
  const code = words.join("_");
  return /^[0-9]/.test(code) ? `op_${code}` : code;
}

interface Candidate {
  words: string[];
  /** Words of the path's `{parameters}`: first to go when the code is too long. */
  params: Set<string>;
  full: string;
}

function candidate(source: CodeSource): Candidate {
  const fromId = source.operationId !== undefined ? codeWords(source.operationId) : [];
  const words = fromId.length > 0 ? fromId : codeWords(`${source.method}_${source.path}`);
  const params = new Set([...source.path.matchAll(/\{([^{}]+)\}/g)].flatMap((m) => codeWords(m[1] ?? "")));
  return { words: words.length > 0 ? words : [source.method.toLowerCase()], params, full: joined(words.length > 0 ? words : [source.method.toLowerCase()]) };
}

/** `authorizations` then `authorization`, `id` then `id`: the second says nothing new. */
function repeats(previous: string | undefined, word: string): boolean {
  if (previous === undefined) return false;
  return previous === word || previous === `${word}s` || previous === `${word}es` || (previous.endsWith("ies") && previous.slice(0, -3) === word.slice(0, -1) && word.endsWith("y"));
}

/**
 * Drops words until the code fits: runs repeating the run before them (`personalization_designs_
 * personalization_design`: the path parameter after its collection), then other path parameter
 * names from the end, then the words after the verb from the front. The verb (first word), the
 * last word and `keep` stay.
 */
function shorten(c: Candidate, keep: ReadonlySet<number>): string {
  const kept = c.words.map((_, i) => i);
  const last = c.words.length - 1;
  const word = (i: number | undefined): string => c.words[i ?? 0] ?? "";
  const length = (): number => joined(kept.map(word)).length;
  const droppable = (i: number): boolean => i !== 0 && i !== last && !keep.has(i);
  for (let p = 2; p < kept.length && length() > maxCodeLength; p++) {
    for (const k of [3, 2, 1]) {
      const run = kept.slice(p, p + k);
      const before = kept.slice(p - k, p);
      if (p - k < 1 || run.length < k || !run.every(droppable)) continue;
      if (run.every((i, j) => repeats(word(before[j]), word(i)))) {
        kept.splice(p, k);
        p--;
        break;
      }
    }
  }
  for (let p = kept.length - 2; p >= 1 && length() > maxCodeLength; p--) {
    const i = kept[p] ?? 0;
    if (droppable(i) && c.params.has(word(i))) kept.splice(p, 1);
  }
  for (let p = 1; p < kept.length && length() > maxCodeLength; ) {
    if (droppable(kept[p] ?? 0)) kept.splice(p, 1);
    else p++;
  }
  // One word longer than the limit on its own: cut, as nothing readable is left to keep.
  return joined(kept.map(word)).slice(0, maxCodeLength).replace(/_+$/, "");
}

/** Indices of the words of `c` that some other colliding operation lacks, in order. */
function distinguishing(c: Candidate, others: readonly Candidate[]): number[] {
  return c.words.map((w, i) => ({ w, i })).filter(({ w }) => others.some((o) => !o.words.includes(w))).map(({ i }) => i);
}

export interface OperationCode {
  code: string;
  /** The code this operation would have had, taken by an earlier one with the same id. */
  taken?: string;
}

/** Codes for the operations in document order: each unique, at most 64 characters, `^[a-z]…`. */
export function operationCodes(sources: readonly CodeSource[]): OperationCode[] {
  const candidates = sources.map(candidate);
  const keeps = candidates.map(() => new Set<number>());
  let codes = candidates.map((c, i) => (c.full.length <= maxCodeLength ? c.full : shorten(c, keeps[i] ?? new Set())));
  // Shortened codes that meet another code take back distinguishing words (a few rounds at most).
  for (let round = 0; round < 8; round++) {
    const byCode = new Map<string, number[]>();
    codes.forEach((code, i) => byCode.set(code, [...(byCode.get(code) ?? []), i]));
    let changed = false;
    for (const members of byCode.values()) {
      if (members.length < 2) continue;
      for (const i of members) {
        const c = candidates[i];
        const keep = keeps[i];
        if (!c || !keep || c.full.length <= maxCodeLength) continue;
        const others = members.filter((j) => j !== i && candidates[j]?.full !== c.full).map((j) => candidates[j] as Candidate);
        if (others.length === 0) continue;
        const word = distinguishing(c, others).find((w) => !keep.has(w));
        if (word === undefined) continue;
        keep.add(word);
        changed = true;
      }
    }
    if (!changed) break;
    codes = candidates.map((c, i) => (c.full.length <= maxCodeLength ? c.full : shorten(c, keeps[i] ?? new Set())));
  }
  const used = new Set<string>();
  return codes.map((raw) => {
    const base = toolCodePattern.test(raw) ? raw : "op";
    const code = uniqueCode(base, used);
    return code === base ? { code } : { code, taken: base };
  });
}

/** `base`, else `base_2`, `base_3`… (shortened to stay within 64 characters); marks it used. */
export function uniqueCode(base: string, used: Set<string>): string {
  let code = base;
  for (let n = 2; used.has(code); n++) {
    const suffix = `_${n}`;
    code = `${base.slice(0, maxCodeLength - suffix.length).replace(/_+$/, "")}${suffix}`;
  }
  used.add(code);
  return code;
}
