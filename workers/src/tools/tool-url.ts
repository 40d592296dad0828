// Where a webhook tool's requests go, judged when the tool is saved: the URL template's origin
// (scheme + host + port) must be fixed by the template itself (toolUrlOrigin in the contracts: no
// placeholder in the host or port, which would let a caller's value choose the destination and
// with it where the secret headers go) and must pass the platform's SSRF policy.
import { checkOutboundUrl, type OutboundOptions } from "@speaknode/ssrf";
import { hasHostPlaceholder, sampleToolUrl, toolUrlOrigin, type FieldError } from "@speaknode/contracts";

export { toolUrlOrigin };

/** What the saved URL may point to: the runtime's policy (plain http allowed), loopback only on a
 *  development platform (dev tools on). */
export interface ToolUrlPolicy {
  allowLoopback: boolean;
}

/** Loopback destinations only on a development platform (dev tools on): the demo shop tool calls
 *  the local Worker, as the runtime's TOOL_ALLOW_PRIVATE_HOSTS lets it there. */
export function toolUrlPolicy(config: { devTools: { enabled: boolean } }): ToolUrlPolicy {
  return { allowLoopback: config.devTools.enabled };
}

/** The refusal of a placeholder in the host or port, if the template has one. */
export function hostPlaceholderError(template: string, field = "body.url"): FieldError | undefined {
  if (!hasHostPlaceholder(template)) return undefined;
  return { field, message: "must not hold a placeholder in its host or port: a variable would choose where the request (and its secret headers) goes" };
}

/** Why the tool's URL may not be saved (field `body.url`), empty when it may. */
export function checkToolDestination(template: string, policy: ToolUrlPolicy, field = "body.url"): FieldError[] {
  const placeholderError = hostPlaceholderError(template, field);
  if (placeholderError) return [placeholderError];
  const opts: OutboundOptions = { allowHttp: true, allowLoopback: policy.allowLoopback };
  const check = checkOutboundUrl(sampleToolUrl(template), opts);
  if (!check.ok) return [{ field, message: `${check.reason}: webhook tools may only call public addresses` }];
  return [];
}

/**
 * The origin a stored tool's secret headers belong to: the one recorded when they were given, or,
 * for a tool saved before origins were recorded, the origin of the URL stored with them (where
 * they were being sent). Null when the tool has no secret headers or query parameters, or no fixed origin.
 */
export function boundSecretOrigin(row: { url: string; secretOrigin: string | null; secretHeaders: string | null; secretQuery?: string | null }): string | null {
  if (row.secretHeaders === null && (row.secretQuery ?? null) === null) return null;
  return row.secretOrigin ?? toolUrlOrigin(row.url);
}
