import { AudioFrame, AudioResampler, AudioResamplerQuality } from "@livekit/rtc-node";
const r = new AudioResampler(48000, 16000, 1, AudioResamplerQuality.MEDIUM);
const f = new AudioFrame(new Int16Array(48000).map((_, i) => Math.round(10000 * Math.sin(i / 10))), 48000, 1, 48000);
let n = 0;
for (const o of r.push(f)) n += o.samplesPerChannel;
for (const o of r.flush()) n += o.samplesPerChannel;
r.close();
console.log("out samples", n);
