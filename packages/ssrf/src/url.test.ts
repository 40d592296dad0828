import { describe, expect, it } from "vitest";
import { assertOutboundUrl, BlockedDestinationError, checkOutboundUrl, refusedAddressKind, type OutboundOptions } from "./url.ts";

const loopback: OutboundOptions = { allowLoopback: true, allowHttp: true };

describe("checkOutboundUrl", () => {
  it.each<[string, OutboundOptions, boolean]>([
    ["https://api.example.com/v1/orders?x=1", {}, true],
    ["https://API.Example.COM./v1", {}, true],
    ["https://api.example.com:8443/hooks", {}, true],
    ["https://8.8.8.8/", {}, true],
    ["https://172.32.0.1/", {}, true],
    ["https://100.128.0.1/", {}, true],
    ["https://[2606:4700:4700::1111]/dns-query", {}, true],
    ["https://[::ffff:8.8.8.8]/", {}, true],
    ["https://1.2.3.0x1/", {}, true], // 1.2.3.1
    ["https://[64:ff9b::808:808]/", {}, true],
    ["http://api.example.com/", { allowHttp: true }, true],
    ["http://127.0.0.1:8787/dev", loopback, true],
    ["http://localhost:8787/openapi.json", loopback, true],
    ["https://[::1]/", { allowLoopback: true }, true],
    ["https://[::ffff:127.0.0.1]/", { allowLoopback: true }, true],
    ["http://api.example.com/", {}, false],
    ["ftp://files.example.com/spec.yaml", { allowHttp: true }, false],
    ["file:///etc/passwd", {}, false],
    ["javascript:alert(1)", {}, false],
    ["not a url", {}, false],
    ["https://user:secret@api.example.com/", {}, false],
    ["https://user@api.example.com/", {}, false],
    ["https://:secret@api.example.com/", {}, false],
    ["https://localhost/", {}, false],
    ["https://LOCALHOST./", {}, false],
    ["https://localhost../", {}, false],
    ["https://admin.localhost/", {}, false],
    ["https://printer.local/", {}, false],
    ["https://printer.local./", {}, false],
    ["https://metadata.google.internal/computeMetadata/v1/", {}, false],
    ["https://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/", {}, false],
    ["https://instance-data.ec2.internal/", {}, false],
    ["https://metadata/", {}, false],
    ["https://metadata.tencentyun.com/", {}, false],
    ["https://kubernetes.default.svc/", {}, false],
    ["https://router.home.arpa/", {}, false],
    ["https://intranet/", {}, false],
    ["https://127.0.0.1/", {}, false],
    ["https://127.0.0.1./", {}, false],
    ["https://127.1/", {}, false],
    ["https://2130706433/", {}, false],
    ["https://0x7f.1/", {}, false],
    ["https://0x7f000001/", {}, false],
    ["https://0177.0.0.1/", {}, false],
    ["https://017700000001/", {}, false],
    ["https://%31%32%37.0.0.1/", {}, false],
    ["https://0/", {}, false],
    ["https://0.0.0.0/", {}, false],
    ["https://10.1.2.3/", {}, false],
    ["https://172.16.0.1/", {}, false],
    ["https://172.31.255.255/", {}, false],
    ["https://192.168.1.1/", {}, false],
    ["https://169.254.169.254/latest/meta-data/", {}, false],
    ["https://100.64.0.1/", {}, false],
    ["https://198.18.0.1/", {}, false],
    ["https://224.0.0.251/", {}, false],
    ["https://255.255.255.255/", {}, false],
    ["https://[::1]/", {}, false],
    ["https://[::]/", {}, false],
    ["https://[::8.8.8.8]/", {}, false],
    ["https://[0:0:0:0:0:0:0:1]/", {}, false],
    ["https://[::ffff:127.0.0.1]/", {}, false],
    ["https://[::ffff:7f00:1]/", {}, false],
    ["https://[::ffff:a9fe:a9fe]/", {}, false],
    ["https://[64:ff9b::a00:1]/", {}, false],
    ["https://[64:ff9b::169.254.169.254]/", {}, false],
    ["https://[2002:7f00:1::]/", {}, false],
    ["https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", {}, false],
    ["https://[fe80::1]/", {}, false],
    ["https://[fe80::1%25eth0]/", {}, false],
    ["https://[fd00::1]/", {}, false],
    ["https://[fd12:3456::1]/", {}, false],
    ["https://[ff02::1]/", {}, false],
    ["https://[2001:db8::1]/", {}, false],
    ["http://127.0.0.1/", { allowLoopback: true }, false],
    ["https://10.0.0.1/", loopback, false],
    ["https://169.254.169.254/", loopback, false],
    ["https://[fe80::1]/", loopback, false],
  ])("judges %s with %o allowed: %s", (url, opts, allowed) => {
    const result = checkOutboundUrl(url, opts);
    expect(result.ok, result.ok ? "allowed" : result.reason).toBe(allowed);
  });

  it("returns the parsed URL when it allows one", () => {
    const result = checkOutboundUrl("https://API.example.com/a?b=1");
    expect(result.ok && result.url.href).toBe("https://api.example.com/a?b=1");
  });

  it("gives a reason that names the problem", () => {
    expect(checkOutboundUrl("https://[::ffff:10.0.0.1]/")).toEqual({ ok: false, reason: "points to a private address ([::ffff:a00:1])" });
    expect(checkOutboundUrl("https://0.0.0.0/")).toEqual({ ok: false, reason: "points to an unspecified address (0.0.0.0)" });
    expect(checkOutboundUrl("https://169.254.169.254/")).toEqual({ ok: false, reason: "points to a link-local address (169.254.169.254)" });
    expect(checkOutboundUrl("https://u:p@api.example.com/")).toEqual({ ok: false, reason: "must not carry credentials" });
    expect(checkOutboundUrl("http://api.example.com/")).toEqual({ ok: false, reason: "must be an https URL" });
    expect(checkOutboundUrl("gopher://api.example.com/", { allowHttp: true })).toEqual({ ok: false, reason: "must be an http(s) URL" });
    expect(checkOutboundUrl("https://metadata.google.internal/")).toEqual({ ok: false, reason: "names a private host (metadata.google.internal)" });
    expect(checkOutboundUrl("https://localhost/")).toEqual({ ok: false, reason: "names a loopback host (localhost)" });
  });

  it("lets listed private hosts through, in any spelling, and nothing else", () => {
    const opts: OutboundOptions = { allowHttp: true, allowPrivateHosts: ["127.0.0.1", "LOCALHOST", "[::FFFF:10.0.0.1]", "mock.internal."] };
    for (const url of ["http://127.0.0.1:9000/", "http://2130706433/", "http://localhost./", "http://[::ffff:a00:1]/", "http://mock.internal/"]) {
      expect(checkOutboundUrl(url, opts).ok, url).toBe(true);
    }
    for (const url of ["http://127.0.0.2/", "http://10.0.0.1/", "http://[::1]/", "http://other.internal/", "http://admin.localhost/"]) {
      expect(checkOutboundUrl(url, opts).ok, url).toBe(false);
    }
  });

  it("still refuses credentials and other schemes on listed hosts", () => {
    const opts: OutboundOptions = { allowPrivateHosts: ["127.0.0.1"] };
    expect(checkOutboundUrl("https://u:p@127.0.0.1/", opts).ok).toBe(false);
    expect(checkOutboundUrl("http://127.0.0.1/", opts).ok).toBe(false);
    expect(checkOutboundUrl("file://127.0.0.1/etc/passwd", { ...opts, allowHttp: true }).ok).toBe(false);
  });
});

describe("refusedAddressKind", () => {
  it("refuses private addresses unless loopback is allowed or the address is listed", () => {
    expect(refusedAddressKind("93.184.216.34")).toBeUndefined();
    expect(refusedAddressKind("127.0.0.1")).toBe("loopback");
    expect(refusedAddressKind("127.0.0.1", { allowLoopback: true })).toBeUndefined();
    expect(refusedAddressKind("::ffff:127.0.0.1", { allowLoopback: true })).toBeUndefined();
    expect(refusedAddressKind("10.0.0.1", { allowLoopback: true })).toBe("private");
    expect(refusedAddressKind("10.0.0.1", { allowPrivateHosts: ["10.0.0.1"] })).toBeUndefined();
    expect(refusedAddressKind("::ffff:7f00:1", { allowPrivateHosts: ["::ffff:127.0.0.1"] })).toBeUndefined();
    expect(refusedAddressKind("10.0.0.2", { allowPrivateHosts: ["10.0.0.1"] })).toBe("private");
    expect(refusedAddressKind("not-an-ip", { allowPrivateHosts: ["not-an-ip"] })).toBe("invalid");
  });
});

describe("assertOutboundUrl", () => {
  it("returns the URL or throws an error naming the host and the reason", () => {
    expect(assertOutboundUrl("https://api.example.com/x").host).toBe("api.example.com");
    const error = (() => {
      try {
        assertOutboundUrl("https://10.0.0.1/");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(BlockedDestinationError);
    expect(error).toMatchObject({ host: "10.0.0.1", reason: "points to a private address (10.0.0.1)" });
    expect(() => assertOutboundUrl("not a url")).toThrow(/\(invalid URL\) refused: is not a valid URL/);
  });
});
