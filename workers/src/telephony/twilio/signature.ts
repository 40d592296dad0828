// Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1, keyed with the account's Auth
// Token, over the full URL the request was sent to followed by every POST parameter's name and
// value, sorted by name (https://www.twilio.com/docs/usage/security#validating-requests).
// Twilio may sign the URL with or without the default port (:443 / :80), so a request is valid if
// either spelling matches. Comparison is constant-time (@speaknode/signing, the platform's one).
import { timingSafeEqual } from "@speaknode/signing";

const encoder = new TextEncoder();

/** The signature Twilio sends for `url` and the form parameters `params`. */
export async function twilioSignature(authToken: string, url: string, params: Record<string, string> | [string, string][]): Promise<string> {
  const pairs = Array.isArray(params) ? [...params] : Object.entries(params);
  // Sorted by name (code-unit order, as Twilio's libraries do); repeated names keep their order.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let data = url;
  for (const [name, value] of pairs) data += name + value;
  const key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The URL as Twilio may have signed it: as given, and with the default port added or removed. */
export function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === "https:" ? "443" : parsed.protocol === "http:" ? "80" : null;
  if (!defaultPort) return [url];
  // URL drops a default port when parsing, so the two spellings are rebuilt by hand.
  const authority = parsed.host.replace(/:\d+$/, "");
  const rest = url.slice(url.indexOf(parsed.host) + parsed.host.length).replace(/^:\d+/, "");
  const withPort = `${parsed.protocol}//${userinfo(url)}${authority}:${parsed.port || defaultPort}${rest}`;
  const withoutPort = `${parsed.protocol}//${userinfo(url)}${authority}${rest}`;
  const variants = [url];
  if (!parsed.port || parsed.port === defaultPort) {
    for (const v of [withPort, withoutPort]) if (!variants.includes(v)) variants.push(v);
  }
  return variants;
}

function userinfo(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*@)/i.exec(url);
  return m?.[1] ?? "";
}

/** Whether `signature` is Twilio's for this request, in constant time per candidate URL. */
export async function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string> | [string, string][], signature: string | null | undefined): Promise<boolean> {
  if (!signature || signature.length > 200) return false;
  let valid = false;
  for (const candidate of urlVariants(url)) {
    const expected = await twilioSignature(authToken, candidate, params);
    // Evaluate every candidate, so timing does not tell which spelling matched.
    if (timingSafeEqual(expected, signature)) valid = true;
  }
  return valid;
}
