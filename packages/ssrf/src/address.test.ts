import { describe, expect, it } from "vitest";
import { classifyAddress, normaliseHost, type AddressKind } from "./address.ts";

describe("classifyAddress", () => {
  it.each<[string, AddressKind]>([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f.1", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.100.100.200", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fec0::1", "site-local"],
    ["fd00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::FFFF:A9FE:A9FE", "link-local"],
    ["::ffff:0:a00:1", "private"],
    ["::127.0.0.1", "loopback"],
    // IPv4-compatible (deprecated, unroutable): as URL parsers write [::8.8.8.8].
    ["::808:808", "reserved"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::169.254.169.254", "link-local"],
    ["64:ff9b:1::808:808", "reserved"],
    ["2002:7f00:1::", "loopback"],
    ["2002:c0a8:101::1", "private"],
    // Teredo: client 10.0.0.1 stored inverted (f5ff:fffe) after the server 65.54.227.120.
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    ["2001:db8::1", "reserved"],
    ["3fff::1", "reserved"],
    ["100::1", "reserved"],
    ["4000::1", "reserved"],
    ["localhost", "invalid"],
    ["999.1.1.1", "invalid"],
    ["1::2::3", "invalid"],
    ["", "invalid"],
  ])("calls %s %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  it.each(["8.8.8.8", "172.32.0.1", "100.128.0.1", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])(
    "finds the public address %s public",
    (ip) => {
      expect(classifyAddress(ip)).toBeUndefined();
    },
  );
});

describe("normaliseHost", () => {
  it.each([
    ["LOCALHOST.", "localhost"],
    ["[::FFFF:127.0.0.1]", "::ffff:7f00:1"],
    ["::ffff:7f00:1", "::ffff:7f00:1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["0x7f.1", "127.0.0.1"],
    ["Api.Example.COM..", "api.example.com"],
  ])("writes %s as %s", (host, normal) => {
    expect(normaliseHost(host)).toBe(normal);
  });
});
