// The URL half of the policy: which URLs the platform may fetch on a user's (or a model's)
// behalf. Judged from the URL alone, so it runs anywhere (Workers have no DNS API); a runtime
// that can resolve names must also judge the addresses a name resolves to (refusedAddressKind).
//
// Ports are not restricted: the destination's address is what matters, and a public host on a
// custom port is a legitimate API.
import { classifyAddress, isIpLiteral, normaliseHost, type AddressKind } from "./address.ts";

export interface OutboundOptions {
  /** Lets 127.0.0.0/8, ::1 and localhost names through (local development and tests only). */
  allowLoopback?: boolean;
  /** Lets plain http through; https only otherwise. */
  allowHttp?: boolean;
  /**
   * Host names or IP literals let through although private (the voice runtime's
   * TOOL_ALLOW_PRIVATE_HOSTS; empty in production). A listed name is trusted with every address
   * it resolves to; a listed IP literal lets that one address through whatever name led to it.
   */
  allowPrivateHosts?: readonly string[];
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

// Special-use names that never denote a public host: RFC 6761 (localhost), RFC 6762 (.local and
// the private TLDs of its appendix G), RFC 8375 (.home.arpa), and what cloud and cluster DNS
// answer privately (metadata.google.internal, instance-data.ec2.internal, *.svc).
const privateSuffixes = [".local", ".localdomain", ".internal", ".intranet", ".private", ".corp", ".home", ".lan", ".home.arpa", ".svc"];
// Metadata services published under ordinary-looking names.
const metadataNames = new Set(["metadata.tencentyun.com", "metadata.platformequinix.com"]);

/** Whether `host` (any spelling) is on the allow-list. */
export function isListedHost(host: string, allowPrivateHosts: readonly string[] | undefined): boolean {
  if (allowPrivateHosts === undefined || allowPrivateHosts.length === 0) return false;
  const wanted = normaliseHost(host);
  return allowPrivateHosts.some((entry) => normaliseHost(entry) === wanted);
}

/**
 * Why this address may not be reached under these options, or undefined when it may: the
 * classification of classifyAddress, less loopback when allowed and listed addresses.
 */
export function refusedAddressKind(ip: string, opts: OutboundOptions = {}): AddressKind | undefined {
  const kind = classifyAddress(ip);
  if (kind === undefined || kind === "invalid") return kind;
  if (kind === "loopback" && opts.allowLoopback === true) return undefined;
  return isListedHost(ip, opts.allowPrivateHosts) ? undefined : kind;
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? "an" : "a");

/** The reason text for an address that is refused. */
export function addressReason(kind: AddressKind, shown: string): string {
  return `points to ${article(kind)} ${kind} address (${shown})`;
}

/** Checks a URL against the policy; the reason completes a sentence that starts with the URL. */
export function checkOutboundUrl(raw: string, opts: OutboundOptions = {}): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a valid URL" };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && opts.allowHttp === true)) {
    return { ok: false, reason: opts.allowHttp === true ? "must be an http(s) URL" : "must be an https URL" };
  }
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not carry credentials" };
  // WHATWG URL parsers have already lower-cased the host, turned every IPv4 spelling (2130706433,
  // 0x7f.1, 0177.0.0.1) into dotted decimal and IPv6 into its compressed form, and refused zone
  // ids. classifyAddress reads the other spellings too, for a runtime that did not normalise.
  const host = normaliseHost(url.hostname);
  if (isListedHost(host, opts.allowPrivateHosts)) return { ok: true, url };
  if (url.hostname.startsWith("[") || isIpLiteral(host)) {
    const kind = classifyAddress(host);
    if (kind === undefined || (kind === "loopback" && opts.allowLoopback === true)) return { ok: true, url };
    return { ok: false, reason: kind === "invalid" ? `has an address that cannot be parsed (${url.hostname})` : addressReason(kind, url.hostname) };
  }
  // A last label made of digits or hex that is not an IPv4 address is read differently by
  // different network stacks; refuse rather than guess.
  const last = host.split(".").pop() ?? "";
  if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(last)) return { ok: false, reason: `has a numeric host that is not a plain IPv4 address (${host})` };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return opts.allowLoopback === true ? { ok: true, url } : { ok: false, reason: `names a loopback host (${host})` };
  }
  if (metadataNames.has(host) || privateSuffixes.some((s) => host.endsWith(s))) return { ok: false, reason: `names a private host (${host})` };
  // Single-label names only mean something on a local network (and "metadata" is one of them).
  if (!host.includes(".")) return { ok: false, reason: `names a host without a domain (${host})` };
  return { ok: true, url };
}

/** A URL refused by the policy, for callers that prefer throwing to a result. */
export class BlockedDestinationError extends Error {
  readonly host: string;
  readonly reason: string;
  constructor(host: string, reason: string) {
    super(`destination ${host} refused: ${reason}`);
    this.name = "BlockedDestinationError";
    this.host = host;
    this.reason = reason;
  }
}

/** checkOutboundUrl that returns the URL or throws BlockedDestinationError. */
export function assertOutboundUrl(raw: string, opts: OutboundOptions = {}): URL {
  const result = checkOutboundUrl(raw, opts);
  if (result.ok) return result.url;
  let host = "(invalid URL)";
  try {
    host = normaliseHost(new URL(raw).hostname);
  } catch {
    // keeps the placeholder: the URL itself is what is wrong
  }
  throw new BlockedDestinationError(host, result.reason);
}
