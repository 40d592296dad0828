import type { ParameterStyle } from "@speaknode/contracts";
import { describe, expect, it } from "vitest";
import { pairName, percentEncode, redactJson, secretRedactor, serializePairs, serializePath } from "./request-encoding.ts";

const style = (s: ParameterStyle["style"], explode: boolean, allowReserved = false): ParameterStyle => ({ style: s, explode, allowReserved });
// The values of OpenAPI 3.1's style examples (§4.8.12.4).
const list = ["blue", "black", "brown"];
const obj = { R: 100, G: 200, B: 150 };

describe("serializePath", () => {
  it("writes simple, label and matrix as OpenAPI's style table does", () => {
    const cases: [ParameterStyle | undefined, unknown, string][] = [
      [undefined, "blue", "blue"],
      [undefined, list, "blue,black,brown"],
      [undefined, obj, "R,100,G,200,B,150"],
      [style("simple", true), obj, "R=100,G=200,B=150"],
      [style("label", false), "blue", ".blue"],
      [style("label", false), list, ".blue,black,brown"],
      [style("label", true), list, ".blue.black.brown"],
      [style("label", false), obj, ".R,100,G,200,B,150"],
      [style("label", true), obj, ".R=100.G=200.B=150"],
      [style("matrix", false), "blue", ";color=blue"],
      [style("matrix", false), list, ";color=blue,black,brown"],
      [style("matrix", true), list, ";color=blue;color=black;color=brown"],
      [style("matrix", false), obj, ";color=R,100,G,200,B,150"],
      [style("matrix", true), obj, ";R=100;G=200;B=150"],
    ];
    for (const [s, value, expected] of cases) expect([s, serializePath("color", value, s)]).toEqual([s, expected]);
  });

  it("percent-encodes values so they cannot add segments or delimiters of their own", () => {
    expect(serializePath("id", "A/1 ;x=y,z")).toBe("A%2F1%20%3Bx%3Dy%2Cz");
    expect(serializePath("id", ["a,b", "c"], style("label", true))).toBe(".a%2Cb.c");
    expect(serializePath("id", "café")).toBe("caf%C3%A9");
  });

  it("has nothing to write for null, empty strings, empty arrays and empty objects", () => {
    for (const value of [null, undefined, "", [], {}, [null]]) expect(serializePath("id", value)).toBeUndefined();
    expect(serializePath("id", 0)).toBe("0");
    expect(serializePath("id", false)).toBe("false");
  });
});

describe("serializePairs", () => {
  it("writes query styles as OpenAPI's style table does", () => {
    const cases: [ParameterStyle | undefined, unknown, string[]][] = [
      [undefined, "blue", ["color=blue"]],
      [undefined, list, ["color=blue", "color=black", "color=brown"]],
      [undefined, obj, ["R=100", "G=200", "B=150"]],
      [style("form", false), list, ["color=blue,black,brown"]],
      [style("form", false), obj, ["color=R,100,G,200,B,150"]],
      [style("spaceDelimited", false), list, ["color=blue%20black%20brown"]],
      [style("spaceDelimited", false), obj, ["color=R%20100%20G%20200%20B%20150"]],
      [style("pipeDelimited", false), list, ["color=blue|black|brown"]],
      [style("pipeDelimited", true), list, ["color=blue", "color=black", "color=brown"]],
      [style("deepObject", true), obj, ["color[R]=100", "color[G]=200", "color[B]=150"]],
    ];
    for (const [s, value, expected] of cases) expect([s, serializePairs("color", value, "query", s)]).toEqual([s, expected]);
  });

  it("writes nested deepObjects with bracketed keys and indexed arrays, leaving nulls out", () => {
    const metadata = { order: { id: "A 1", lines: ["x", null, "y"] }, gone: null, vip: true, score: 1.5 };
    expect(serializePairs("metadata", metadata, "form", style("deepObject", true))).toEqual([
      "metadata[order][id]=A+1",
      "metadata[order][lines][0]=x",
      "metadata[order][lines][2]=y",
      "metadata[vip]=true",
      "metadata[score]=1.5",
    ]);
    expect(serializePairs("expand", ["customer", "invoice.lines"], "form", style("deepObject", true))).toEqual(["expand[0]=customer", "expand[1]=invoice.lines"]);
    // Brackets inside a key from the data are the data's, so they are encoded.
    expect(serializePairs("m", { "a[b]": "c" }, "query", style("deepObject", true))).toEqual(["m[a%5Bb%5D]=c"]);
  });

  it("writes form-body objects without a style as deepObjects, and a query object spread out", () => {
    expect(serializePairs("metadata", { plan: "pro" }, "form")).toEqual(["metadata[plan]=pro"]);
    expect(serializePairs("items", [{ price: "p_1", quantity: 2 }], "form")).toEqual(["items[0][price]=p_1", "items[0][quantity]=2"]);
    expect(serializePairs("metadata", { plan: "pro" }, "query")).toEqual(["plan=pro"]);
  });

  it("writes a space as + in a form body and %20 in a query, and keeps reserved characters only with allowReserved", () => {
    expect(serializePairs("q", "a b&c=d/e", "form")).toEqual(["q=a+b%26c%3Dd%2Fe"]);
    expect(serializePairs("q", "a b&c=d/e", "query")).toEqual(["q=a%20b%26c%3Dd%2Fe"]);
    expect(serializePairs("path", "/v1/x:y?z,w;v@u!$'()*", "query", style("form", true, true))).toEqual(["path=/v1/x:y?z,w;v@u!$'()*"]);
    // Characters that would end the pair, start a fragment or read as a space stay encoded.
    expect(serializePairs("q", "a&b=c#d+e[f]", "query", style("form", true, true))).toEqual(["q=a%26b%3Dc%23d%2Be%5Bf%5D"]);
    // Reserved expansion lets a percent-encoded triple through, and encodes a lone %.
    expect(serializePairs("q", "50%25 off 100%", "query", style("form", true, true))).toEqual(["q=50%25%20off%20100%25"]);
  });

  it("keeps brackets of a parameter's own name and leaves null, undefined and empty collections out", () => {
    expect(serializePairs("page[size]", 10, "query")).toEqual(["page[size]=10"]);
    for (const value of [null, undefined, [], {}, [null]]) expect(serializePairs("x", value, "query")).toEqual([]);
    expect(serializePairs("x", "", "query")).toEqual(["x="]);
    // An object where the style has no way to write one is sent as JSON.
    expect(serializePairs("items", [{ sku: "a" }], "query")).toEqual(["items=%7B%22sku%22%3A%22a%22%7D"]);
  });
});

describe("percentEncode and pairName", () => {
  it("keeps RFC 3986's unreserved characters only and encodes UTF-8 bytes", () => {
    expect(percentEncode("Az09-._~!*'()", { space: "%20" })).toBe("Az09-._~%21%2A%27%28%29");
    expect(percentEncode("😀", { space: "+" })).toBe("%F0%9F%98%80");
  });

  it("reads the name of an encoded pair back", () => {
    expect(pairName("api%5Fkey=x")).toBe("api_key");
    expect(pairName("a+b=1")).toBe("a b");
    expect(pairName("%E0%A4%A=x")).toBe("%E0%A4%A");
  });
});

describe("secretRedactor", () => {
  const redact = secretRedactor({ api_key: "sk_live 12/34", "auth[token]": "tok-abcdef" }, { Authorization: "Bearer hdr-secret-1" });

  it("replaces secret query values after their name and wherever the values appear, raw or encoded", () => {
    expect(redact("GET /x?a=1&api_key=whatever&b=2")).toBe("GET /x?a=1&api_key=[redacted]&b=2");
    expect(redact("called https://h/x?auth[token]=zzz")).toBe("called https://h/x?auth[token]=[redacted]");
    expect(redact("key sk_live 12/34 or sk_live%2012%2F34 or sk_live+12%2F34")).toBe("key [redacted] or [redacted] or [redacted]");
    expect(redact("token hdr-secret-1 rejected")).toBe("token [redacted] rejected");
    expect(redact("my_api_key=kept")).toBe("my_api_key=kept");
  });

  it("redacts every string of a JSON answer, keys included", () => {
    expect(redactJson({ echo: ["tok-abcdef"], "sk_live 12/34": 1, n: 2 }, redact)).toEqual({ echo: ["[redacted]"], "[redacted]": 1, n: 2 });
  });

  it("leaves text alone when there are no secrets, and does not hunt for very short values", () => {
    expect(secretRedactor({}, {})("api_key=1")).toBe("api_key=1");
    expect(secretRedactor({ k: "abc" }, {})("abc k=abc")).toBe("abc k=[redacted]");
  });
});
