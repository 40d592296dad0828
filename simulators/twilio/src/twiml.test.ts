import { describe, expect, it } from "vitest";
import { parseTwiml, TwimlError } from "./twiml.ts";

describe("reading TwiML", () => {
  it("reads <Connect><Stream> with its parameters, unescaping entities", () => {
    const verbs = parseTwiml(`<?xml version="1.0" encoding="UTF-8"?>
      <Response>
        <!-- the platform's answer -->
        <Connect action="https://p.test/after"><Stream url="wss://rt.test/v1/twilio/media-stream?x=1&amp;y=2"><Parameter name="sessionId" value="ses_1"/><Parameter name='token' value="a&lt;b&quot;c"/></Stream></Connect>
      </Response>`);
    expect(verbs).toEqual([
      { verb: "Connect", action: "https://p.test/after", method: "POST", other: [], stream: { url: "wss://rt.test/v1/twilio/media-stream?x=1&y=2", name: null, track: null, statusCallback: null, statusCallbackMethod: "POST", parameters: { sessionId: "ses_1", token: 'a<b"c' } } },
    ]);
  });

  it("reads Say, Pause, Hangup, Reject, Dial and Redirect, and keeps unknown verbs by name", () => {
    const verbs = parseTwiml('<Response><Say voice="alice" loop="2">Hello &amp; welcome</Say><Pause length="3"/><Dial callerId="+15550000001" timeout="20"><Number>+15551112222</Number></Dial><Gather/><Redirect method="GET">https://p.test/next</Redirect><Reject reason="busy"/><Reject/><Hangup/></Response>');
    expect(verbs).toEqual([
      { verb: "Say", text: "Hello & welcome", voice: "alice", language: null, loop: 2 },
      { verb: "Pause", lengthS: 3 },
      { verb: "Dial", number: "+15551112222", callerId: "+15550000001", timeoutS: 20, action: null, method: "POST" },
      { verb: "unknown", name: "Gather" },
      { verb: "Redirect", url: "https://p.test/next", method: "GET" },
      { verb: "Reject", reason: "busy" },
      { verb: "Reject", reason: "rejected" },
      { verb: "Hangup" },
    ]);
  });

  it("reads a bare number inside <Dial> and an empty <Response/>", () => {
    expect(parseTwiml("<Response><Dial>+15551112222</Dial></Response>")[0]).toMatchObject({ verb: "Dial", number: "+15551112222" });
    expect(parseTwiml("<Response/>")).toEqual([]);
  });

  it("refuses documents that are not TwiML", () => {
    for (const doc of ["", "hello", "<Response><Say>unclosed</Response>", "<Other/>", "<Response></Response><Response/>", '<Response><Say a="1>x</Say></Response>', "<Response>&bogus;</Response>"]) {
      expect(() => parseTwiml(doc), doc).toThrow(TwimlError);
    }
  });
});
