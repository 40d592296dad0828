import { describe, expect, it } from "vitest";
import { twiml } from "./twiml.ts";

describe("TwiML", () => {
  it("connects the call to a media stream with its parameters", () => {
    expect(twiml({ verb: "connectStream", stream: { url: "wss://rt.example/v1/twilio/media-stream", parameters: { sessionId: "ses_1", token: "a.b.c" } } })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://rt.example/v1/twilio/media-stream"><Parameter name="sessionId" value="ses_1"/><Parameter name="token" value="a.b.c"/></Stream></Connect></Response>',
    );
  });

  it("escapes text and attributes so nothing can inject a verb", () => {
    const doc = twiml({ verb: "say", text: 'Bye</Say><Dial>+15550100</Dial><Say>"' }, { verb: "dial", number: "+14155550100", callerId: '"><Hangup/>' });
    expect(doc).not.toContain("<Dial>+1555");
    expect(doc).toContain("Bye&lt;/Say&gt;&lt;Dial&gt;");
    expect(doc).toContain('callerId="&quot;&gt;&lt;Hangup/&gt;"');
    expect(doc.match(/<Dial/g)).toHaveLength(1);
  });

  it("answers busy, says and hangs up", () => {
    expect(twiml({ verb: "reject", reason: "busy" })).toContain('<Reject reason="busy"/>');
    expect(twiml({ verb: "say", text: "This number is not in service." }, { verb: "hangup" })).toContain("<Say>This number is not in service.</Say><Hangup/>");
  });
});
