// The far end of an outbound call: it is dialed (initiated, ringing), then is busy, does not
// answer, fails, or answers as a human or as an answering machine (greeting, 1 kHz beep, then it
// records), as the control API configured the number; and Twilio's answering-machine detection
// of it (https://www.twilio.com/docs/voice/answering-machine-detection), synchronous or async.
import { sampleRate, silence, tone } from "./audio.ts";
import type { Call } from "./call.ts";
import type { PhoneBehaviour } from "./model.ts";
import { sleep } from "./script.ts";

export const machineGreeting = "Hi, you have reached the voicemail of Sam Taylor. Please leave a message after the tone.";

interface Machine {
  greetingMs: number;
  beepPlayed: Promise<void>;
}

/** Dials the callee; true when it answered and the call goes on to its TwiML. */
export async function dialOut(call: Call): Promise<boolean> {
  const callee: PhoneBehaviour = call.init.callee ?? { answer: "human" };
  const signal = call.ended.signal;
  await sleep(50, signal);
  call.setStatus("initiated");
  if (callee.answer === "failed") {
    await sleep(200, signal);
    call.end("failed", "callee");
    return false;
  }
  await sleep(100, signal);
  call.setStatus("ringing");
  if (callee.answer === "busy") {
    await sleep(callee.ringMs ?? 300, signal);
    call.end("busy", "callee");
    return false;
  }
  if (callee.answer === "no-answer") {
    await sleep(Math.min(call.init.timeoutS * 1000, callee.ringMs ?? Infinity), signal);
    call.end("no-answer", "callee");
    return false;
  }
  await sleep(callee.ringMs ?? 1000, signal);
  if (call.isOver) return false;
  call.answer();
  const machine = callee.answer === "machine" ? playMachine(call, callee) : null;
  const amd = call.init.machineDetection;
  if (amd && !call.init.asyncAmd) {
    // Synchronous AMD: the TwiML waits for the verdict, which the voice request carries; Twilio
    // listens to the callee meanwhile, so the callee's audio starts without a stream.
    call.startCallerAudio();
    await detect(call, machine);
  } else if (amd) void detect(call, machine);
  return !call.isOver;
}

function playMachine(call: Call, callee: PhoneBehaviour): Machine {
  const greeting = call.deps.speak(machineGreeting);
  const padded = callee.machineGreetingMs !== undefined ? Math.max(0, Math.round((callee.machineGreetingMs * sampleRate) / 1000) - greeting.length) : 0;
  const beepPlayed = (async () => {
    await call.callerAudioStarted();
    const start = call.nowMs();
    await call.audio.play(greeting);
    call.callerSpeech.push([start, call.nowMs()]);
    await call.audio.play(silence((padded * 1000) / sampleRate));
    call.record("machine.beep", {});
    await call.audio.play(tone(1000, 400));
    call.record("machine.recording", {});
  })();
  return { greetingMs: Math.round(((greeting.length + padded) * 1000) / sampleRate), beepPlayed };
}

async function detect(call: Call, machine: Machine | null): Promise<void> {
  const mode = call.init.machineDetection;
  const signal = call.ended.signal;
  let answeredBy = "human";
  if (machine) {
    // Twilio answers "machine_start" as soon as it is sure (Enable), or waits for the end of the greeting.
    await call.callerAudioStarted();
    if (mode === "Enable") await sleep(Math.min(2500, machine.greetingMs), signal);
    else {
      await machine.beepPlayed;
      await sleep(100, signal);
    }
    answeredBy = mode === "Enable" ? "machine_start" : "machine_end_beep";
  } else await sleep(1200, signal);
  if (call.isOver) return;
  call.answeredBy = answeredBy;
  const durationMs = call.nowMs() - (call.statusHistory.find((s) => s.status === "in-progress")?.atMs ?? 0);
  call.record("amd", { answeredBy, machineDetectionDurationMs: durationMs });
  if (call.init.asyncAmd && call.init.amdCallback) {
    await call.webhook("amd", call.init.amdCallback, call.init.amdCallbackMethod, [
      ["AccountSid", call.accountSid],
      ["AnsweredBy", answeredBy],
      ["CallSid", call.sid],
      ["MachineDetectionDuration", String(durationMs)],
    ]);
  }
}
