// The request headers an attempt stores: as sent, less what is secret — the signature and every
// custom header's value (typically the receiver's API key). Members read the history; Owners alone
// may know the secrets.
export const redacted = "[redacted]";

export function redactAttemptHeaders(headers: Record<string, string>, customHeaderNames: readonly string[]): Record<string, string> {
  const secret = new Set(["webhook-signature", ...customHeaderNames.map((n) => n.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = secret.has(name.toLowerCase()) ? redacted : value;
  return out;
}
