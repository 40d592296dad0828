// TwiML as Twilio reads it (https://www.twilio.com/docs/voice/twiml): an XML document whose root is
// <Response>, whose children are verbs run in order. A small XML reader of its own (elements,
// attributes, text, entities, comments, CDATA) and the verbs the simulator follows; any other verb
// comes back as `unknown` so that the call records it and moves on, as the simulator promises.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

export class TwimlError extends Error {
  override name = "TwimlError";
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const known = entities[ref];
    if (known === undefined) throw new TwimlError(`unknown entity &${ref};`);
    return known;
  });
}

/** Parses one XML document into its root element. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const nameRe = /[A-Za-z_:][\w:.-]*/y;
  while (i < source.length) {
    if (source.startsWith("<?", i)) {
      const end = source.indexOf("?>", i);
      if (end < 0) throw new TwimlError("unterminated declaration");
      i = end + 2;
    } else if (source.startsWith("<!--", i)) {
      const end = source.indexOf("-->", i);
      if (end < 0) throw new TwimlError("unterminated comment");
      i = end + 3;
    } else if (source.startsWith("<![CDATA[", i)) {
      const end = source.indexOf("]]>", i);
      if (end < 0) throw new TwimlError("unterminated CDATA");
      stack.at(-1)?.children.push(source.slice(i + 9, end));
      i = end + 3;
    } else if (source.startsWith("<!", i)) {
      const end = source.indexOf(">", i);
      if (end < 0) throw new TwimlError("unterminated doctype");
      i = end + 1;
    } else if (source.startsWith("</", i)) {
      nameRe.lastIndex = i + 2;
      const m = nameRe.exec(source);
      const open = stack.pop();
      if (!m || !open || open.name !== m[0]) throw new TwimlError(`unexpected closing tag at ${i}`);
      const end = source.indexOf(">", i);
      if (end < 0) throw new TwimlError("unterminated closing tag");
      i = end + 1;
      if (stack.length === 0) root = open;
    } else if (source[i] === "<") {
      nameRe.lastIndex = i + 1;
      const m = nameRe.exec(source);
      if (!m) throw new TwimlError(`bad tag at ${i}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [] };
      i = nameRe.lastIndex;
      const attrRe = /\s*([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?>)/y;
      for (;;) {
        attrRe.lastIndex = i;
        const a = attrRe.exec(source);
        if (!a) throw new TwimlError(`bad attribute in <${el.name}>`);
        i = attrRe.lastIndex;
        if (a[5]) {
          if (stack.length === 0 && root) throw new TwimlError("content after the root element");
          stack.at(-1)?.children.push(el);
          if (a[5] === "/>") {
            if (stack.length === 0) root = el;
          } else stack.push(el);
          break;
        }
        el.attrs[a[1] ?? ""] = decodeEntities(a[3] ?? a[4] ?? "");
      }
    } else {
      const next = source.indexOf("<", i);
      const text = source.slice(i, next < 0 ? source.length : next);
      if (stack.length > 0) stack.at(-1)?.children.push(decodeEntities(text));
      else if (text.trim() !== "") throw new TwimlError("text outside the root element");
      i = next < 0 ? source.length : next;
    }
  }
  if (stack.length > 0) throw new TwimlError(`unclosed <${stack.at(-1)?.name}>`);
  if (!root) throw new TwimlError("empty document");
  return root;
}

export interface StreamVerb {
  url: string;
  name: string | null;
  track: string | null;
  statusCallback: string | null;
  statusCallbackMethod: "GET" | "POST";
  parameters: Record<string, string>;
}

export type Verb =
  | { verb: "Connect"; action: string | null; method: "GET" | "POST"; stream: StreamVerb | null; other: string[] }
  | { verb: "Say"; text: string; voice: string | null; language: string | null; loop: number }
  | { verb: "Pause"; lengthS: number }
  | { verb: "Hangup" }
  | { verb: "Reject"; reason: "busy" | "rejected" }
  | { verb: "Dial"; number: string | null; callerId: string | null; timeoutS: number; action: string | null; method: "GET" | "POST" }
  | { verb: "Redirect"; url: string; method: "GET" | "POST" }
  | { verb: "unknown"; name: string };

function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}

function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== "string");
}

function method(value: string | undefined): "GET" | "POST" {
  return value?.toUpperCase() === "GET" ? "GET" : "POST";
}

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** The verbs of a TwiML document, in order. Throws TwimlError when it is not TwiML. */
export function parseTwiml(source: string): Verb[] {
  const root = parseXml(source);
  if (root.name !== "Response") throw new TwimlError(`root element is <${root.name}>, not <Response>`);
  return elements(root).map((el): Verb => {
    switch (el.name) {
      case "Connect": {
        const inner = elements(el);
        const s = inner.find((c) => c.name === "Stream");
        const stream: StreamVerb | null = s
          ? {
              url: s.attrs.url ?? "",
              name: s.attrs.name ?? null,
              track: s.attrs.track ?? null,
              statusCallback: s.attrs.statusCallback ?? null,
              statusCallbackMethod: method(s.attrs.statusCallbackMethod),
              parameters: Object.fromEntries(elements(s).filter((p) => p.name === "Parameter" && p.attrs.name !== undefined).map((p) => [p.attrs.name ?? "", p.attrs.value ?? ""])),
            }
          : null;
        return { verb: "Connect", action: el.attrs.action ?? null, method: method(el.attrs.method), stream, other: inner.filter((c) => c.name !== "Stream").map((c) => c.name) };
      }
      case "Say":
        return { verb: "Say", text: textOf(el).trim(), voice: el.attrs.voice ?? null, language: el.attrs.language ?? null, loop: Math.max(1, Math.min(10, number(el.attrs.loop, 1))) };
      case "Pause":
        return { verb: "Pause", lengthS: number(el.attrs.length, 1) };
      case "Hangup":
        return { verb: "Hangup" };
      case "Reject":
        return { verb: "Reject", reason: el.attrs.reason === "busy" ? "busy" : "rejected" };
      case "Dial": {
        const n = elements(el).find((c) => c.name === "Number");
        const bare = textOf(el).trim();
        return {
          verb: "Dial",
          number: n ? textOf(n).trim() : bare !== "" ? bare : null,
          callerId: el.attrs.callerId ?? null,
          timeoutS: number(el.attrs.timeout, 30),
          action: el.attrs.action ?? null,
          method: method(el.attrs.method),
        };
      }
      case "Redirect":
        return { verb: "Redirect", url: textOf(el).trim(), method: method(el.attrs.method) };
      default:
        return { verb: "unknown", name: el.name };
    }
  });
}
