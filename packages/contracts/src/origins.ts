// Web origins (scheme://host[:port]) that pages are admitted by: an agent's widget origins and an
// agent token's. Browsers send the Origin header in canonical form (lower-case scheme and host, no
// default port), so what an admin types is stored canonical and compared canonical: a token saved
// with `https://Shop.Example:443` must admit `https://shop.example`.
import { text } from "./text.ts";

const originPattern = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;
const originMessage = "must be an origin like https://shop.example";

function parsesAsOrigin(origin: string): boolean {
  try {
    return new URL(origin).origin !== "null";
  } catch {
    return false;
  }
}

/** The canonical spelling of an origin, or the text unchanged when it is not one. */
export function canonicalOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? origin : url.origin;
  } catch {
    return origin;
  }
}

/** True when the page's Origin header is one of `allowed` (compared canonical). */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  if (origin === undefined || origin === "") return false;
  const page = canonicalOrigin(origin);
  return allowed.some((a) => canonicalOrigin(a) === page);
}

export const WebOrigin = text()
  .regex(originPattern, originMessage)
  .refine(parsesAsOrigin, originMessage)
  .overwrite(canonicalOrigin);
