import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
// Which URLs and addresses are refused is tested once, in packages/ssrf; these tests are about
// what the runtime adds: DNS answers judged, the connection pinned, the request itself.
import { BlockedDestinationError } from "@speaknode/ssrf";
import { createHttpGuard, HttpRequestError, vetDestination } from "./http-guard.ts";
import type { ResolvedAddress } from "./http-guard.ts";

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      // A silent or endless handler holds its connection open; close would wait for it.
      s.closeAllConnections();
      return new Promise<void>((resolve) => s.close(() => resolve()));
    }),
  );
});

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

const get = { method: "GET", headers: {}, maxBytes: 1024 };

describe("vetDestination", () => {
  it.each(["http://127.0.0.1/x", "http://10.0.0.5/", "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://0x7f.1/"])(
    "refuses %s without an allowance",
    async (url) => {
      await expect(vetDestination(url, { allowPrivateHosts: [] })).rejects.toBeInstanceOf(BlockedDestinationError);
    },
  );

  it.each([
    ["http://127.0.0.1/x", "127.0.0.1"],
    ["http://10.0.0.5/", "10.0.0.5"],
    ["http://169.254.169.254/", "169.254.169.254"],
    ["http://[::1]:8080/", "::1"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"],
    ["http://[::ffff:7f00:1]/", "[::FFFF:127.0.0.1]"],
  ])("lets %s through when %s is allowed", async (url, allowed) => {
    const destination = await vetDestination(url, { allowPrivateHosts: [allowed] });
    expect(destination.addresses).toHaveLength(1);
  });

  it("judges the URL by the shared policy before resolving it", async () => {
    let lookups = 0;
    const resolve = async (): Promise<ResolvedAddress[]> => {
      lookups++;
      return [{ address: "93.184.216.34", family: 4 }];
    };
    for (const url of ["https://metadata.google.internal/", "https://printer.local/", "https://intranet/", "http://[fe80::1]/"]) {
      await expect(vetDestination(url, { allowPrivateHosts: [], resolve }), url).rejects.toBeInstanceOf(BlockedDestinationError);
    }
    expect(lookups).toBe(0);
    await expect(vetDestination("http://mock.internal:9000/", { allowPrivateHosts: ["mock.internal"], resolve })).resolves.toMatchObject({ host: "mock.internal" });
  });

  it.each([
    ["127.0.0.1", /loopback/],
    ["::ffff:127.0.0.1", /loopback/],
    ["169.254.169.254", /link-local/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["fd00::1", /unique-local/],
    ["64:ff9b::a00:1", /private/],
    ["0.0.0.0", /unspecified/],
  ])("refuses a public-looking name that resolves to %s", async (address, reason) => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address, family: address.includes(":") ? 6 : 4 }];
    await expect(vetDestination("https://api.example.com/", { allowPrivateHosts: [], resolve })).rejects.toThrow(reason);
  });

  it("refuses a host name that resolves to loopback", async () => {
    await expect(vetDestination("http://localhost:1234/", { allowPrivateHosts: [] })).rejects.toThrow(/loopback/);
    await expect(vetDestination("http://localhost:1234/", { allowPrivateHosts: ["10.0.0.1", "example.com"] })).rejects.toBeInstanceOf(BlockedDestinationError);
  });

  it("lets an allowed host name through with all its addresses", async () => {
    const destination = await vetDestination("http://LOCALHOST./", { allowPrivateHosts: ["localhost"] });
    expect(destination.addresses.length).toBeGreaterThan(0);
  });

  it("lets a name through when every private address it resolves to is listed", async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }];
    await expect(vetDestination("http://dev.test/", { allowPrivateHosts: ["127.0.0.1"], resolve })).rejects.toThrow(/loopback/);
    await expect(vetDestination("http://dev.test/", { allowPrivateHosts: ["127.0.0.1", "::1"], resolve })).resolves.toMatchObject({ host: "dev.test" });
  });

  it("refuses a name that answers both a public and a private address", async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.1", family: 4 }];
    await expect(vetDestination("https://api.example.com/", { allowPrivateHosts: [], resolve })).rejects.toThrow(/private/);
  });

  it("accepts a name that resolves to public addresses only", async () => {
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: "93.184.216.34", family: 4 }];
    const destination = await vetDestination("https://api.example.com/", { allowPrivateHosts: [], resolve });
    expect(destination.addresses).toEqual([{ address: "93.184.216.34", family: 4 }]);
  });

  it.each(["ftp://127.0.0.1/", "file:///etc/passwd", "https://user:pw@api.example.com/", "not a url"])("refuses %s", async (url) => {
    await expect(vetDestination(url, { allowPrivateHosts: ["127.0.0.1", "api.example.com"] })).rejects.toBeInstanceOf(BlockedDestinationError);
  });
});

describe("createHttpGuard().request", () => {
  it("sends the method, headers and body to an allowed host and returns the answer", async () => {
    const { port, seen } = await startServer((_req, res) => {
      res.writeHead(201, { "content-type": "application/json", "x-a": "1" });
      res.end('{"ok":true}');
    });
    const guard = createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] });
    const res = await guard.request(`http://127.0.0.1:${port}/orders?x=1`, { method: "POST", headers: { "content-type": "application/json", "x-key": "k" }, body: '{"a":1}', maxBytes: 1024 });
    expect(res).toMatchObject({ status: 201, truncated: false, headers: { "content-type": "application/json", "x-a": "1" } });
    expect(res.body.toString()).toBe('{"ok":true}');
    expect(seen).toEqual([expect.objectContaining({ method: "POST", url: "/orders?x=1", body: '{"a":1}' })]);
    expect(seen[0]?.headers["x-key"]).toBe("k");
  });

  it("never connects to a loopback server that is not allowed", async () => {
    const { port, seen } = await startServer((_req, res) => res.end("hi"));
    const guard = createHttpGuard({ allowPrivateHosts: [] });
    await expect(guard.request(`http://127.0.0.1:${port}/`, get)).rejects.toBeInstanceOf(BlockedDestinationError);
    await expect(guard.request(`http://localhost:${port}/`, get)).rejects.toBeInstanceOf(BlockedDestinationError);
    expect(seen).toHaveLength(0);
  });

  it("connects to the address it vetted even when DNS answers differently later", async () => {
    const { port, seen } = await startServer((_req, res) => res.end("pinned"));
    const answers = ["127.0.0.1", "10.255.255.1"];
    let lookups = 0;
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: answers[Math.min(lookups++, 1)] ?? "", family: 4 }];
    const guard = createHttpGuard({ allowPrivateHosts: ["127.0.0.1"], resolve });
    const res = await guard.request(`http://api.example.test:${port}/hello`, get);
    expect(res.body.toString()).toBe("pinned");
    expect(lookups).toBe(1);
    // Host (and SNI for https) keep the name from the URL.
    expect(seen[0]?.headers.host).toBe(`api.example.test:${port}`);
  });

  it("returns a redirect as it is instead of following it", async () => {
    const { port, seen } = await startServer((req, res) => {
      if (req.url === "/start") res.writeHead(302, { location: "/secret" }).end();
      else res.end("followed");
    });
    const res = await createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }).request(`http://127.0.0.1:${port}/start`, get);
    expect(res.status).toBe(302);
    expect(res.headers["location"]).toBe("/secret");
    expect(seen.map((s) => s.url)).toEqual(["/start"]);
  });

  it("stops reading an endless body at maxBytes", async () => {
    const { port } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = "x".repeat(4096);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
      res.on("close", () => undefined);
    });
    const res = await createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }).request(`http://127.0.0.1:${port}/`, { ...get, maxBytes: 10_000 });
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(10_000);
  });

  it("gives up when the signal aborts while the server is silent", async () => {
    const { port } = await startServer(() => undefined);
    const started = Date.now();
    const error = await createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] })
      .request(`http://127.0.0.1:${port}/`, { ...get, signal: AbortSignal.timeout(150) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
