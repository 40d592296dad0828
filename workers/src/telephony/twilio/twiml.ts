// TwiML answers (https://www.twilio.com/docs/voice/twiml): the few verbs the platform speaks,
// built with every attribute and text escaped, so a caller name or an announcement can never
// inject markup into the document Twilio follows.

export interface StreamTarget {
  /** wss:// URL of the runtime's Media Streams endpoint. */
  url: string;
  /** <Parameter>s Twilio hands the stream in its `start` message (`customParameters`). */
  parameters: Record<string, string>;
  /** Where Twilio posts the stream's own status (optional). */
  statusCallback?: string;
}

export type TwimlVerb =
  | { verb: "connectStream"; stream: StreamTarget }
  | { verb: "say"; text: string; language?: string }
  | { verb: "pause"; lengthS: number }
  | { verb: "hangup" }
  | { verb: "reject"; reason: "busy" | "rejected" }
  | { verb: "dial"; number: string; callerId?: string; timeoutS?: number; action?: string }
  | { verb: "dialSip"; sip: SipTarget };

export interface SipTarget {
  /** `sip:<user>@<host>` with any URI parameters (`;transport=tcp`), without headers. */
  uri: string;
  /** Custom `X-` headers of the INVITE, carried in the URI's query (Twilio's <Sip> custom headers). */
  headers: Record<string, string>;
  /** Digest credentials the SIP endpoint challenges for. */
  username?: string;
  password?: string;
  /** Longest the bridged call may last (seconds). */
  timeLimitS?: number;
}

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch] ?? ch).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "");
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
}

function verbXml(v: TwimlVerb): string {
  switch (v.verb) {
    case "connectStream": {
      const params = Object.entries(v.stream.parameters)
        .map(([name, value]) => `<Parameter${attrs({ name, value })}/>`)
        .join("");
      return `<Connect><Stream${attrs({ url: v.stream.url, statusCallback: v.stream.statusCallback, statusCallbackMethod: v.stream.statusCallback ? "POST" : undefined })}>${params}</Stream></Connect>`;
    }
    case "say":
      return `<Say${attrs({ language: v.language })}>${escapeXml(v.text)}</Say>`;
    case "pause":
      return `<Pause${attrs({ length: v.lengthS })}/>`;
    case "hangup":
      return "<Hangup/>";
    case "reject":
      return `<Reject${attrs({ reason: v.reason })}/>`;
    case "dial":
      return `<Dial${attrs({ callerId: v.callerId, timeout: v.timeoutS, action: v.action })}><Number>${escapeXml(v.number)}</Number></Dial>`;
    case "dialSip":
      return dialSipXml(v.sip);
  }
}

/** The SIP URI with its headers as a query (`?X-A=1&X-B=2`, values percent-encoded as a URI's query
 *  must be), then escaped as XML text (`&` becomes `&amp;`). Answering the caller only once the SIP
 *  side answers (answerOnBridge) keeps the caller ringing while the agent's room is joined. */
function dialSipXml(sip: SipTarget): string {
  const query = Object.entries(sip.headers)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join("&");
  const uri = query ? `${sip.uri}?${query}` : sip.uri;
  return `<Dial${attrs({ answerOnBridge: "true", timeLimit: sip.timeLimitS })}><Sip${attrs({ username: sip.username, password: sip.password })}>${escapeXml(uri)}</Sip></Dial>`;
}

/** A whole TwiML document. */
export function twiml(...verbs: TwimlVerb[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.map(verbXml).join("")}</Response>`;
}

export const twimlContentType = "text/xml; charset=utf-8";
