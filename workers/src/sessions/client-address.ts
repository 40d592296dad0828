// The client address the per-address limit of public dispatch counts by. What decides it, found by
// trying (wrangler 4.x, miniflare; see the test next to this file):
// - On Cloudflare, the edge sets CF-Connecting-IP to the connecting client and replaces any value
//   the client sent, so the header can be trusted there (config TRUST_CF_CONNECTING_IP, on by
//   default without dev tools).
// - Under wrangler dev, miniflare writes CF-Connecting-IP from the socket only when the request
//   has none: a client's own header (or X-Forwarded-For) reaches the Worker untouched, and
//   `request.cf` is a fixed sample without the client's address. The Worker cannot see the socket
//   peer there, but the dev stack listens on 127.0.0.1 only (scripts/lib.ts), so the peer is
//   always this machine: the key is that loopback peer, whatever the headers claim.
// A request without a trusted address is refused rather than counted in a shared "unknown"
// bucket that one abuser could fill for everyone.
import ipaddr from "ipaddr.js";
import { ApiError } from "../errors.ts";

export type ClientAddressSource = "cf-connecting-ip" | "loopback-peer";

/**
 * The rate-limit key of the request's client: an IPv4 address, or the /64 network of an IPv6 one
 * (what one subscriber gets: rotating addresses inside it earns no fresh bucket); undefined when
 * no trusted address is known.
 */
export function clientAddressKey(headers: Headers, source: ClientAddressSource): string | undefined {
  if (source === "loopback-peer") return "loopback";
  const raw = headers.get("cf-connecting-ip")?.trim() ?? "";
  if (!ipaddr.isValid(raw)) return undefined;
  // IPv4-mapped IPv6 (::ffff:1.2.3.4) counts as the IPv4 address it carries.
  const address = ipaddr.process(raw);
  if (address.kind() === "ipv4") return address.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toNormalizedString()}/64`);
  return `${network.toString()}/64`;
}

/** The key, or a 403 saying why there is none. */
export function requireClientAddressKey(headers: Headers, source: ClientAddressSource): string {
  const key = clientAddressKey(headers, source);
  if (key === undefined) {
    throw new ApiError("forbidden", "the client's address is unknown (no valid CF-Connecting-IP from the platform): public sessions are limited per address and cannot be started without one");
  }
  return key;
}
