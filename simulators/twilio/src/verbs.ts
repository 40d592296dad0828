// Following TwiML the way Twilio does: fetch the document (voice URL, <Redirect>, a verb's action
// URL), run its verbs in order, and hang up when none are left. An update of a live call with new
// TwiML interrupts the current verb (stopping the stream) and runs the new document instead.
import type { Call } from "./call.ts";
import { MediaStream } from "./media-stream.ts";
import { sleep } from "./script.ts";
import { parseTwiml, TwimlError, type Verb } from "./twiml.ts";

const applicationError = "We are sorry, an application error has occurred. Goodbye.";

/** Twilio's error when TwiML could not be had: 11200 HTTP retrieval, 12300 content type, 12100 parse. */
async function fetchTwiml(call: Call, purpose: string, url: string, method: "GET" | "POST", params: [string, string][]): Promise<string | null> {
  const res = await call.webhook(purpose, url, method, params);
  if (res.error !== null || res.status < 200 || res.status >= 300) {
    call.record("error", { code: 11200, message: "HTTP retrieval failure", status: res.status, detail: res.error });
    return null;
  }
  const type = (res.contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!["text/xml", "application/xml", "text/html"].includes(type)) {
    call.record("error", { code: 12300, message: "Invalid Content-Type", contentType: res.contentType });
    return null;
  }
  return res.body;
}

/** The first document: inline TwiML, or the voice URL (with the number's fallback URL on failure). */
async function firstDocument(call: Call): Promise<string | null> {
  if (call.pendingTwiml !== null) {
    const doc = call.pendingTwiml;
    call.pendingTwiml = null;
    call.interrupt = new AbortController();
    return doc;
  }
  if (call.init.twiml !== null) return call.init.twiml;
  if (!call.init.url) {
    call.record("error", { code: 21205, message: "No voice URL for this call" });
    return null;
  }
  const params = call.params(call.init.direction === "inbound" ? "ringing" : "in-progress");
  if (call.answeredBy) params.push(["AnsweredBy", call.answeredBy]);
  const doc = await fetchTwiml(call, "voice", call.init.url, call.init.method, params);
  if (doc !== null || call.isOver) return doc;
  const fallback = call.init.account.numbers.find((n) => n.sid === call.init.phoneNumberSid)?.voiceFallbackUrl;
  if (!fallback || call.init.direction !== "inbound") return null;
  params.push(["ErrorCode", "11200"], ["ErrorUrl", call.init.url]);
  return fetchTwiml(call, "voice-fallback", fallback, call.init.account.numbers.find((n) => n.sid === call.init.phoneNumberSid)?.voiceFallbackMethod ?? "POST", params);
}

function failApplication(call: Call): void {
  call.saidByTwiml.push(applicationError);
  call.end(call.answered ? "completed" : "failed", "application-error");
}

export async function runTwiml(call: Call): Promise<void> {
  let doc: string | null = await firstDocument(call);
  if (doc === null) {
    if (!call.isOver) failApplication(call);
    return;
  }
  while (doc !== null && !call.isOver) {
    let verbs: Verb[];
    try {
      verbs = parseTwiml(doc);
    } catch (err) {
      call.record("error", { code: 12100, message: "Document parse failure", detail: err instanceof TwimlError ? err.message : String(err) });
      failApplication(call);
      return;
    }
    call.record("twiml", { verbs: verbs.map((v) => (v.verb === "unknown" ? v.name : v.verb)) });
    doc = null;
    for (const verb of verbs) {
      if (call.isOver || call.interrupt.signal.aborted) break;
      const next = await runVerb(call, verb);
      if (next === "hangup") return;
      if (next === "error") {
        failApplication(call);
        return;
      }
      if (typeof next === "string") {
        doc = next;
        break;
      }
    }
    if (call.pendingTwiml !== null && !call.isOver) {
      doc = call.pendingTwiml;
      call.pendingTwiml = null;
      call.interrupt = new AbortController();
    }
  }
}

/** Runs one verb: "hangup" when the call ended, "error" when its action failed, a new document, or null to go on. */
async function runVerb(call: Call, verb: Verb): Promise<"hangup" | "error" | string | null> {
  const signal = call.interrupt.signal;
  switch (verb.verb) {
    case "Say": {
      call.answer();
      call.saidByTwiml.push(verb.text);
      call.record("twiml.say", { text: verb.text, loop: verb.loop });
      // About the time a voice takes to say it.
      await sleep(Math.max(600, verb.text.length * 65) * verb.loop, signal);
      return null;
    }
    case "Pause":
      call.answer();
      call.record("twiml.pause", { lengthS: verb.lengthS });
      await sleep(verb.lengthS * 1000, signal);
      return null;
    case "Hangup":
      call.record("twiml.hangup", {});
      call.end("completed", "twiml-hangup");
      return "hangup";
    case "Reject":
      call.record("twiml.reject", { reason: verb.reason });
      call.end(call.answered ? "completed" : verb.reason === "busy" ? "busy" : "failed", "twiml-reject");
      return "hangup";
    case "Redirect": {
      call.answer();
      call.record("twiml.redirect", { url: verb.url });
      const doc = await fetchTwiml(call, "redirect", verb.url, verb.method, call.params());
      return doc ?? "error";
    }
    case "Connect":
      return connect(call, verb);
    case "Dial":
      return dial(call, verb);
    case "unknown":
      call.record("twiml.unknown_verb", { name: verb.name });
      return null;
  }
}

async function connect(call: Call, verb: Extract<Verb, { verb: "Connect" }>): Promise<"hangup" | "error" | string | null> {
  call.answer();
  if (!verb.stream) {
    call.record("twiml.connect_without_stream", { nouns: verb.other });
    return null;
  }
  const target = verb.stream;
  if (!/^wss?:\/\//.test(target.url)) {
    call.record("error", { code: 31941, message: "Stream - Invalid URL", url: target.url });
    return null;
  }
  let closed: (byServer: boolean) => void = () => {};
  const done = new Promise<boolean>((resolve) => (closed = resolve));
  const stream = new MediaStream(
    { url: target.url, accountSid: call.accountSid, callSid: call.sid, parameters: target.parameters },
    {
      onServerMessage: (kind, detail) => {
        if (kind === "media") {
          call.counters.mediaReceived++;
          call.counters.agentAudioBytes += Number(detail.bytes ?? 0);
        } else if (kind === "mark") {
          call.counters.marksReceived++;
          call.record("stream.mark", detail);
        } else if (kind === "clear") {
          call.counters.clearsReceived++;
          call.record("stream.clear", detail);
        } else call.record("stream.invalid_message", detail);
      },
      onSent: (kind, detail) => {
        call.countSent(kind);
        if (kind !== "media") call.record(`stream.sent.${kind}`, detail);
      },
      onClosed: (byServer, code, reason) => {
        call.record("stream.closed", { byServer, code, reason: reason.slice(0, 120) });
        closed(byServer);
      },
    },
  );
  call.stream = stream;
  call.record("stream.connecting", { url: target.url, parameters: Object.keys(target.parameters) });
  // <Stream statusCallback>: stream-started / stream-stopped / stream-error, as Twilio posts them.
  const streamStatus = (event: "stream-started" | "stream-stopped" | "stream-error", error?: string): void => {
    if (!target.statusCallback) return;
    const params: [string, string][] = [["AccountSid", call.accountSid], ["CallSid", call.sid], ["StreamSid", stream.streamSid], ["StreamName", target.name ?? stream.streamSid], ["StreamEvent", event], ["Timestamp", new Date().toISOString()]];
    if (error) params.push(["StreamError", error]);
    void call.webhook("stream-status", target.statusCallback, target.statusCallbackMethod, params);
  };
  const ok = await stream.connect();
  if (!ok) {
    call.record("error", { code: 31920, message: "Stream - WebSocket - Handshake Error", url: target.url });
    streamStatus("stream-error", "Stream - WebSocket - Handshake Error");
    call.stream = null;
    return null;
  }
  streamStatus("stream-started");
  call.counters.streams++;
  if (call.isOver) {
    stream.stop();
    return "hangup";
  }
  call.startCallerAudio();
  const interrupt = call.interrupt.signal;
  const interrupted = new Promise<boolean>((resolve) => {
    if (interrupt.aborted) resolve(false);
    else interrupt.addEventListener("abort", () => resolve(false), { once: true });
  });
  const byServer = await Promise.race([done, interrupted]);
  if (!byServer) stream.stop();
  call.stream = null;
  streamStatus("stream-stopped");
  if (call.isOver) return "hangup";
  if (byServer && verb.action) return (await fetchTwiml(call, "action", verb.action, verb.method, call.params())) ?? "error";
  return null;
}

async function dial(call: Call, verb: Extract<Verb, { verb: "Dial" }>): Promise<"hangup" | "error" | string | null> {
  call.answer();
  if (!verb.number) {
    call.record("twiml.dial_without_number", {});
    return null;
  }
  call.counters.transfers++;
  call.transferredTo.push(verb.number);
  call.record("transferred", { number: verb.number, callerId: verb.callerId });
  const signal = call.interrupt.signal;
  // The dialed phone does what the control API says (PUT /sim/phones); by default a human picks
  // up after a ring, talks a little and hangs up.
  const phone = call.deps.phone(verb.number);
  if (phone && phone.answer !== "human" && phone.answer !== "machine") {
    const dialStatus = phone.answer === "busy" ? "busy" : phone.answer === "failed" ? "failed" : "no-answer";
    if (dialStatus === "no-answer") await sleep(Math.min(verb.timeoutS * 1000, phone.ringMs ?? Infinity), signal);
    call.record("dial.ended", { number: verb.number, dialCallStatus: dialStatus });
    if (call.isOver) return "hangup";
    if (!verb.action) return null;
    const params = call.params();
    params.push(["DialCallStatus", dialStatus]);
    return (await fetchTwiml(call, "action", verb.action, verb.method, params)) ?? "error";
  }
  await sleep(phone?.ringMs ?? 1000, signal);
  if (signal.aborted) return call.isOver ? "hangup" : null;
  const answeredAt = call.nowMs();
  call.record("dial.answered", { number: verb.number });
  await sleep(2000, signal);
  if (call.isOver) return "hangup";
  const durationS = Math.round((call.nowMs() - answeredAt) / 1000);
  call.record("dial.ended", { number: verb.number, durationS });
  if (!verb.action) return null;
  const params = call.params();
  params.push(["DialCallStatus", "completed"], ["DialCallSid", `CA${call.sid.slice(2, 10)}dial${call.sid.slice(14)}`], ["DialCallDuration", String(durationS)]);
  return (await fetchTwiml(call, "action", verb.action, verb.method, params)) ?? "error";
}
