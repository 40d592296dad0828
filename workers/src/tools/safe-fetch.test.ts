import { describe, expect, it } from "vitest";
// The policy itself (which URLs and addresses) is tested once, in packages/ssrf; these tests are
// about fetching: every hop checked, redirects, deadlines, size caps, and the policy running in workerd.
import { checkOutboundUrl } from "@speaknode/ssrf";
import { OutboundError, safeFetch, type OutboundReason } from "./safe-fetch.ts";

type Handler = (url: string, init: RequestInit | undefined) => Response | Promise<Response>;

/** A fetch that records the URLs and requests it was given. */
function fakeFetch(handler: Handler): { fetchImpl: typeof fetch; calls: Array<{ url: string; init: RequestInit | undefined }> } {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push({ url, init });
    return handler(url, init);
  }) as typeof fetch;
  return { fetchImpl, calls };
}

const redirect = (location: string, status = 302) => new Response(null, { status, headers: { location } });

async function failure(run: Promise<unknown>): Promise<OutboundError> {
  try {
    await run;
  } catch (e) {
    if (e instanceof OutboundError) return e;
    throw e;
  }
  throw new Error("expected an OutboundError");
}

async function reason(run: Promise<unknown>): Promise<OutboundReason> {
  return (await failure(run)).reason;
}

describe("@speaknode/ssrf inside workerd", () => {
  // workerd's own URL parser feeds the policy here; the package's tests run on Node's.
  it.each(["https://2130706433/", "https://0x7f.1/", "https://0177.0.0.1/", "https://[::ffff:7f00:1]/", "https://[64:ff9b::a00:1]/", "https://[2002:7f00:1::]/", "https://169.254.169.254./", "https://[fe80::1%25eth0]/", "https://metadata.google.internal./", "https://u:p@api.example.com/"])(
    "refuses %s",
    (url) => {
      const result = checkOutboundUrl(url);
      expect(result.ok).toBe(false);
    },
  );

  it("lets a public https URL through", () => {
    expect(checkOutboundUrl("https://api.example.com/v1").ok).toBe(true);
  });
});

describe("safeFetch", () => {
  const limits = { maxBytes: 1024, timeoutMs: 1000 };

  it("follows redirects on public hosts with manual redirect mode and returns the body", async () => {
    const { fetchImpl, calls } = fakeFetch((url) =>
      url === "https://a.example/spec" ? redirect("/v2/spec", 301) : new Response("openapi: 3.1.0", { headers: { "content-type": "application/yaml" } }),
    );
    const res = await safeFetch("https://a.example/spec", {}, { ...limits, fetchImpl });
    expect(res.text).toBe("openapi: 3.1.0");
    expect(res.contentType).toBe("application/yaml");
    expect(res.url.href).toBe("https://a.example/v2/spec");
    expect(calls.map((c) => [c.url, c.init?.redirect])).toEqual([
      ["https://a.example/spec", "manual"],
      ["https://a.example/v2/spec", "manual"],
    ]);
  });

  it("refuses a blocked URL without fetching it", async () => {
    const { fetchImpl, calls } = fakeFetch(() => new Response("no"));
    expect(await reason(safeFetch("https://169.254.169.254/latest/meta-data/", {}, { ...limits, fetchImpl }))).toBe("blocked_destination");
    expect(calls).toHaveLength(0);
  });

  it.each(["http://169.254.169.254/latest/meta-data/", "https://10.0.0.7/admin", "https://[::ffff:127.0.0.1]/", "https://localhost/"])("refuses a redirect to %s", async (target) => {
    const { fetchImpl, calls } = fakeFetch(() => redirect(target));
    expect(await reason(safeFetch("https://public.example/hook", {}, { ...limits, allowHttp: true, fetchImpl }))).toBe("blocked_destination");
    expect(calls).toHaveLength(1);
  });

  it("refuses a redirect from https down to http unless http is allowed", async () => {
    const { fetchImpl } = fakeFetch((url) => (url.startsWith("https:") ? redirect("http://public.example/plain") : new Response("ok")));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl }))).toBe("blocked_destination");
    expect((await safeFetch("https://public.example/", {}, { ...limits, allowHttp: true, fetchImpl })).text).toBe("ok");
  });

  it("gives up after three redirects", async () => {
    let hops = 0;
    const { fetchImpl, calls } = fakeFetch(() => redirect(`https://public.example/hop/${++hops}`));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl }))).toBe("too_many_redirects");
    expect(calls).toHaveLength(4);
    const three = fakeFetch((url) => (url.endsWith("/3") ? new Response("done") : redirect(`/${Number(url.at(-1) ?? 0) + 1}`)));
    expect((await safeFetch("https://public.example/0", {}, { ...limits, fetchImpl: three.fetchImpl })).text).toBe("done");
  });

  it("drops credentials on a redirect to another origin and turns a 303 after POST into a GET", async () => {
    const { fetchImpl, calls } = fakeFetch((url) => (url.startsWith("https://a.example") ? redirect("https://b.example/result", 303) : new Response("{}")));
    await safeFetch("https://a.example/jobs", { method: "POST", body: "{}", headers: { "content-type": "application/json", "x-api-key": "s3cret", accept: "application/json" } }, { ...limits, fetchImpl });
    const second = calls[1]?.init;
    expect(second?.method).toBe("GET");
    expect(second?.body).toBeUndefined();
    expect([...new Headers(second?.headers).entries()]).toEqual([["accept", "application/json"]]);
  });

  it("refuses a body announced larger than maxBytes", async () => {
    const { fetchImpl } = fakeFetch(() => new Response("x".repeat(2000), { headers: { "content-length": "2000" } }));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl }))).toBe("too_large");
  });

  it("stops reading a streamed body once it passes maxBytes", async () => {
    let cancelled = false;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(300));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { fetchImpl } = fakeFetch(() => new Response(stream));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl }))).toBe("too_large");
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(10);
    const exact = fakeFetch(() => new Response(new Uint8Array(1024)));
    expect((await safeFetch("https://public.example/", {}, { ...limits, fetchImpl: exact.fetchImpl })).bytes.byteLength).toBe(1024);
  });

  it("times out when the answer does not come, and when the body stalls", async () => {
    const silent = fakeFetch(() => new Promise<Response>(() => undefined));
    const started = Date.now();
    expect(await reason(safeFetch("https://public.example/", {}, { maxBytes: 1024, timeoutMs: 50, fetchImpl: silent.fetchImpl }))).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(silent.calls[0]?.init?.signal?.aborted).toBe(true);
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("openapi"));
      },
    });
    const slow = fakeFetch(() => new Response(stalled));
    expect(await reason(safeFetch("https://public.example/", {}, { maxBytes: 1024, timeoutMs: 50, fetchImpl: slow.fetchImpl }))).toBe("timeout");
  });

  it("reports error statuses and network failures with their own reasons", async () => {
    const missing = fakeFetch(() => new Response("not here", { status: 404 }));
    const error = await failure(safeFetch("https://public.example/", {}, { ...limits, fetchImpl: missing.fetchImpl }));
    expect([error.reason, error.status]).toEqual(["bad_status", 404]);
    const accepted = await safeFetch("https://public.example/", {}, { ...limits, fetchImpl: missing.fetchImpl, okStatus: (s) => s < 500 });
    expect(accepted.status).toBe(404);
    const down = fakeFetch(() => Promise.reject(new TypeError("connection refused")));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl: down.fetchImpl }))).toBe("network");
    const garbled = fakeFetch(() => redirect("https://[not-an-address/"));
    expect(await reason(safeFetch("https://public.example/", {}, { ...limits, fetchImpl: garbled.fetchImpl }))).toBe("network");
  });
});
