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

describe("TwiML <Dial><Sip>", () => {
  it("dials the SIP URI with its custom headers as an escaped query, digest credentials and the call's time limit", () => {
    const doc = twiml({ verb: "dialSip", sip: { uri: "sip:+14155550100@abc.sip.livekit.cloud;transport=tcp", headers: { "X-Speaknode-Session": "ses_1", "X-Speaknode-Token": "a.b-c_d" }, username: "u1", password: "p&<2", timeLimitS: 3600 } });
    expect(doc).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" timeLimit="3600"><Sip username="u1" password="p&amp;&lt;2">sip:+14155550100@abc.sip.livekit.cloud;transport=tcp?X-Speaknode-Session=ses_1&amp;X-Speaknode-Token=a.b-c_d</Sip></Dial></Response>',
    );
  });

  it("percent-encodes header values so none can add a header or leave the element", () => {
    const doc = twiml({ verb: "dialSip", sip: { uri: "sip:+1@h", headers: { "X-A": "1&X-Evil=2</Sip>" } } });
    expect(doc).toContain("<Sip>sip:+1@h?X-A=1%26X-Evil%3D2%3C%2FSip%3E</Sip>");
    expect(doc).not.toContain("username");
    expect(doc.match(/<Sip/g)).toHaveLength(1);
  });
});
