// Which IP addresses are public destinations. Ranges come from ipaddr.js (IANA special-purpose
// registries); this file only decides which of its range names are reachable from the internet
// and looks through the IPv6 forms that carry an IPv4 address inside them.
import ipaddr from "ipaddr.js";

/** Why an address is not a public destination. */
export type AddressKind =
  | "loopback"
  | "private"
  | "link-local"
  | "carrier-grade NAT"
  | "unique-local"
  | "site-local"
  | "multicast"
  | "broadcast"
  | "unspecified"
  | "reserved"
  | "invalid";

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

// Anything ipaddr.js names but this table does not (future ranges included) counts as reserved:
// the policy fails closed. AS112 and AMT anycast are infrastructure, not HTTP APIs: reserved too.
const v4Kinds: Record<string, AddressKind> = {
  unspecified: "unspecified", // 0.0.0.0/8: 0.0.0.0 reaches the local machine on Linux
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local", // 169.254.0.0/16, cloud metadata at 169.254.169.254
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT", // 100.64.0.0/10, also Alibaba's metadata 100.100.100.200
  private: "private",
};

const v6Kinds: Record<string, AddressKind> = {
  unspecified: "unspecified",
  linkLocal: "link-local",
  multicast: "multicast",
  loopback: "loopback",
  uniqueLocal: "unique-local", // fc00::/7, AWS metadata at fd00:ec2::254
  deprecatedSiteLocal: "site-local",
};

function classifyV4(addr: IPv4): AddressKind | undefined {
  const range = addr.range();
  return range === "unicast" ? undefined : (v4Kinds[range] ?? "reserved");
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function low32(addr: IPv6): IPv4 {
  const p = addr.parts;
  return new ipaddr.IPv4([(p[6] ?? 0) >> 8, (p[6] ?? 0) & 0xff, (p[7] ?? 0) >> 8, (p[7] ?? 0) & 0xff]);
}

function classifyV6(addr: IPv6): AddressKind | undefined {
  // A zone id only exists on scoped (link-local) addresses; whatever follows it is local.
  if (addr.zoneId !== undefined) return "link-local";
  const p = addr.parts;
  const range = addr.range();
  switch (range) {
    case "ipv4Mapped": // ::ffff:a.b.c.d reaches a.b.c.d
    case "rfc6145": // ::ffff:0:a.b.c.d (SIIT)
      return classifyV4(low32(addr));
    case "rfc6052":
      // The well-known NAT64 prefix 64:ff9b::/96 reaches its embedded address; the local-use
      // prefix 64:ff9b:1::/48 is an operator's own translator with the address placed anywhere.
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? classifyV4(low32(addr)) : "reserved";
    case "6to4": // 2002:AABB:CCDD::/48 tunnels to AA.BB.CC.DD
      return classifyV4(new ipaddr.IPv4([(p[1] ?? 0) >> 8, (p[1] ?? 0) & 0xff, (p[2] ?? 0) >> 8, (p[2] ?? 0) & 0xff]));
    case "teredo": {
      // The client address is stored inverted in the last 32 bits. Teredo is never a legitimate
      // API host, so it is refused either way; the embedded kind makes the reason precise.
      const client = low32(new ipaddr.IPv6([0, 0, 0, 0, 0, 0, (p[6] ?? 0) ^ 0xffff, (p[7] ?? 0) ^ 0xffff]));
      return classifyV4(client) ?? "reserved";
    }
    case "unicast":
      // ipaddr.js calls everything it has no name for unicast; only global unicast 2000::/3 is
      // routed on the internet. The deprecated IPv4-compatible ::a.b.c.d lands here too.
      if ((p[0] ?? 0) >> 13 === 1) return undefined;
      if (p.slice(0, 6).every((g) => g === 0)) return classifyV4(low32(addr)) ?? "reserved";
      return "reserved";
    default:
      return v6Kinds[range] ?? "reserved";
  }
}

function parse(ip: string): IPv4 | IPv6 | undefined {
  const text = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  try {
    return ipaddr.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Why an IP address is not a public destination, or undefined when it is. Accepts every IPv4
 * spelling (2130706433, 0x7f.1, 0177.0.0.1) and IPv6 with or without brackets and zone; text that
 * is not an IP address at all is "invalid".
 */
export function classifyAddress(ip: string): AddressKind | undefined {
  const addr = parse(ip.trim());
  if (addr === undefined) return "invalid";
  return addr instanceof ipaddr.IPv4 ? classifyV4(addr) : classifyV6(addr);
}

/** Whether the text is an IP address in any spelling ipaddr.js reads (brackets allowed). */
export function isIpLiteral(text: string): boolean {
  return parse(text) !== undefined;
}

/**
 * One spelling per host, so allow-list entries, URL hosts and resolver answers compare equal:
 * lower-case, no brackets, no trailing dot; an IP address in its canonical text (dotted decimal,
 * RFC 5952 IPv6 as URL parsers write it, so ::ffff:127.0.0.1 and ::ffff:7f00:1 are one entry).
 */
export function normaliseHost(hostname: string): string {
  const host = hostname.trim().replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "").toLowerCase();
  const addr = parse(host);
  if (addr === undefined) return host;
  return addr instanceof ipaddr.IPv4 ? addr.toString() : addr.toRFC5952String();
}
