import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { schema } from "@speaknode/db";
import { expectProblem, withDb } from "../../test/helpers.ts";
import { dispatched, postEvent, recordingsBucket, runtimeCall, serviceToken, uploadRecording } from "../runtime/testing.ts";

const { sessionRecordings } = schema;
const MiB = 1024 * 1024;

function audio(bytes: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(bytes));
  for (let i = 0; i < bytes; i++) out[i] = (i * seed + (i >> 12)) % 251;
  return out;
}

async function sha256(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const uploadsOf = (sessionId: string, track = "composite") => `/sessions/${sessionId}/recording/${track}/uploads`;

async function startUpload(sessionId: string, sizeBytes: number, track = "composite"): Promise<string> {
  const res = await runtimeCall("POST", uploadsOf(sessionId, track), { json: { contentType: "audio/wav", sizeBytes } });
  expect(res.status).toBe(201);
  return `${uploadsOf(sessionId, track)}/${String(res.body["uploadId"])}`;
}

const putPart = (upload: string, partNumber: number, body: Uint8Array<ArrayBuffer>, token?: string) =>
  runtimeCall("PUT", `${upload}/parts/${partNumber}`, { body, headers: { "content-type": "application/octet-stream" }, ...(token ? { token } : {}) });

describe("runtime API: recording uploads in parts", () => {
  it("joins equal parts and a shorter last one into the track under the session's space, and records its size", async () => {
    const { world: w, sessionId } = await dispatched();
    const track = audio(2 * 5 * MiB + 1000);
    const res = await uploadRecording(sessionId, "composite", track, { partSizeBytes: 5 * MiB });
    expect(res.status).toBe(200);
    const key = `recordings/${w.spaceId}/${sessionId}/composite.wav`;
    expect(res.body).toEqual({ track: "composite", objectKey: key, contentType: "audio/wav", sizeBytes: track.length });
    const object = (await recordingsBucket().get(key)) as R2ObjectBody;
    expect(object.httpMetadata?.contentType).toBe("audio/wav");
    expect(object.size).toBe(track.length);
    expect(await sha256(await object.arrayBuffer())).toBe(await sha256(track));
    const rows = await withDb((db) => db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId)));
    expect(rows.map((r) => [r.track, r.contentType, r.sizeBytes])).toEqual([["composite", "audio/wav", track.length]]);
  });

  it("stores a short track as one part, and replaces a track on a repeated upload, dropping the object of the old format", async () => {
    const { world: w, sessionId } = await dispatched();
    expect((await uploadRecording(sessionId, "user", audio(300, 3))).body).toMatchObject({ sizeBytes: 300 });
    const again = await uploadRecording(sessionId, "user", audio(20, 5), { contentType: "audio/ogg" });
    expect(again.body).toMatchObject({ objectKey: `recordings/${w.spaceId}/${sessionId}/user.ogg`, contentType: "audio/ogg", sizeBytes: 20 });
    expect(await recordingsBucket().head(`recordings/${w.spaceId}/${sessionId}/user.wav`)).toBeNull();
    const rows = await withDb((db) => db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId)));
    expect(rows).toEqual([expect.objectContaining({ track: "user", contentType: "audio/ogg", sizeBytes: 20 })]);
  });

  it("lets a retried part replace the one with its number; completing needs the etag of the part that stayed", async () => {
    const { world: w, sessionId } = await dispatched();
    const upload = await startUpload(sessionId, 100);
    const first = await putPart(upload, 1, audio(100, 3));
    const retried = await putPart(upload, 1, audio(100, 5));
    expect(retried.body).toMatchObject({ partNumber: 1 });
    const stale = await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: first.body["etag"] }] } });
    expectProblem(stale, 400, "validation_failed");
    const done = await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: retried.body["etag"] }] } });
    expect(done.status).toBe(200);
    const object = (await recordingsBucket().get(`recordings/${w.spaceId}/${sessionId}/composite.wav`)) as R2ObjectBody;
    expect(new Uint8Array(await object.arrayBuffer())).toEqual(audio(100, 5));
  });

  it("refuses parts of unequal or too small sizes at completion, as a client error", async () => {
    const { sessionId } = await dispatched();
    const upload = await startUpload(sessionId, 200);
    const a = await putPart(upload, 1, audio(100));
    const b = await putPart(upload, 2, audio(100));
    const res = await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: a.body["etag"] }, { partNumber: 2, etag: b.body["etag"] }] } });
    expectProblem(res, 400, "validation_failed");
    const twice = await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: a.body["etag"] }, { partNumber: 1, etag: a.body["etag"] }] } });
    expectProblem(twice, 400, "validation_failed");
  });

  it("bounds what it accepts: part size, part numbers, track size, media type, track names and upload ids", async () => {
    const { sessionId } = await dispatched();
    const upload = await startUpload(sessionId, 10 * MiB);
    const oversized = await runtimeCall("PUT", `${upload}/parts/1`, { body: audio(10), headers: { "content-length": String(16 * MiB + 1) } });
    expectProblem(oversized, 413, "payload_too_large");
    expectProblem(await putPart(upload, 1, new Uint8Array(new ArrayBuffer(0))), 400, "validation_failed");
    expectProblem(await putPart(upload, 0, audio(10)), 400, "validation_failed");
    expectProblem(await putPart(upload, 411, audio(10)), 400, "validation_failed");
    const tooLong = await runtimeCall("POST", uploadsOf(sessionId), { json: { contentType: "audio/wav", sizeBytes: 2 * 1024 * MiB + 1 } });
    expectProblem(tooLong, 413, "payload_too_large");
    const text = await runtimeCall("POST", uploadsOf(sessionId), { json: { contentType: "text/plain", sizeBytes: 10 } });
    expectProblem(text, 400, "validation_failed");
    expect(text.body["errors"]).toEqual([expect.objectContaining({ field: "body.contentType" })]);
    const badTrack = await runtimeCall("POST", uploadsOf(sessionId, "caller"), { json: { contentType: "audio/wav", sizeBytes: 10 } });
    expectProblem(badTrack, 400, "validation_failed");
    expect(badTrack.body["errors"]).toEqual([expect.objectContaining({ field: "path.track" })]);
    expectProblem(await putPart(`${uploadsOf(sessionId)}/not-an-upload`, 1, audio(10)), 404, "not_found");
    expectProblem(await putPart(`${uploadsOf(sessionId)}/${btoa("wav:made-up").replace(/=+$/, "")}`, 1, audio(10)), 404, "not_found");
    expectProblem(await runtimeCall("POST", uploadsOf("ses_01jqz8k3m4n5p6q7r8s9t0v1w2"), { json: { contentType: "audio/wav", sizeBytes: 10 } }), 404, "not_found");
  });

  it("drops an aborted upload's parts: later parts and completion find no upload", async () => {
    const { world: w, sessionId } = await dispatched();
    const upload = await startUpload(sessionId, 100);
    const part = await putPart(upload, 1, audio(100));
    expect((await runtimeCall("DELETE", upload)).status).toBe(204);
    expectProblem(await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: part.body["etag"] }] } }), 404, "not_found");
    expectProblem(await putPart(upload, 2, audio(100)), 404, "not_found");
    expect(await recordingsBucket().head(`recordings/${w.spaceId}/${sessionId}/composite.wav`)).toBeNull();
  });

  it("keeps an upload to its own session's track: its id on another session or track names no upload", async () => {
    const a = await dispatched();
    const b = await dispatched(a.world);
    const upload = await startUpload(a.sessionId, 100);
    const uploadId = upload.split("/").at(-1) ?? "";
    expectProblem(await putPart(`${uploadsOf(b.sessionId)}/${uploadId}`, 1, audio(100)), 404, "not_found");
    expectProblem(await putPart(`${uploadsOf(a.sessionId, "user")}/${uploadId}`, 1, audio(100)), 404, "not_found");
    expect((await putPart(upload, 1, audio(100))).status).toBe(200);
  });
});

describe("runtime API: recordings of ended sessions", () => {
  it("accepts a recording after the session ended, and tells the runtime the session has ended", async () => {
    const { sessionId } = await dispatched();
    expect((await runtimeCall("GET", `/sessions/${sessionId}`)).body).toEqual({ sessionId, status: "dispatching", ended: false });
    await postEvent(sessionId, "e1", { type: "agent.ready" });
    expect((await runtimeCall("GET", `/sessions/${sessionId}`)).body).toMatchObject({ status: "active", ended: false });
    await postEvent(sessionId, "e2", { type: "error", code: "runtime_crashed", stage: "runtime", message: "gone", fatal: true });
    expect((await runtimeCall("GET", `/sessions/${sessionId}`)).body).toEqual({ sessionId, status: "failed", ended: true });
    expect((await uploadRecording(sessionId, "composite", audio(4000))).status).toBe(200);
    const rows = await withDb((db) => db.select().from(sessionRecordings).where(and(eq(sessionRecordings.sessionId, sessionId), eq(sessionRecordings.track, "composite"))));
    expect(rows).toHaveLength(1);
  });

  it("refuses every step of an upload, and the state, to a token narrowed to another session", async () => {
    const a = await dispatched();
    const b = await dispatched(a.world);
    await postEvent(b.sessionId, "e1", { type: "error", code: "runtime_crashed", stage: "runtime", message: "gone", fatal: true });
    const onlyA = await serviceToken({ sessionId: a.sessionId });
    const upload = await startUpload(b.sessionId, 100);
    const part = await putPart(upload, 1, audio(100));
    for (const [method, path, opts] of [
      ["GET", `/sessions/${b.sessionId}`, {}],
      ["POST", uploadsOf(b.sessionId), { json: { contentType: "audio/wav", sizeBytes: 100 } }],
      ["PUT", `${upload}/parts/1`, { body: audio(100), headers: { "content-type": "application/octet-stream" } }],
      ["POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: part.body["etag"] }] } }],
      ["DELETE", upload, {}],
    ] as const) {
      expectProblem(await runtimeCall(method, path, { ...opts, token: onlyA }), 403, "forbidden");
    }
    const onlyB = await serviceToken({ sessionId: b.sessionId });
    expect((await runtimeCall("POST", `${upload}/complete`, { json: { parts: [{ partNumber: 1, etag: part.body["etag"] }] }, token: onlyB })).status).toBe(200);
  });
});

describe("runtime API: waveform", () => {
  it("stores the peaks on the composite recording, once it is uploaded", async () => {
    const { sessionId } = await dispatched();
    const waveform = { peaks: [0, 0.25, 1, 0.5], durationMs: 4000 };
    expectProblem(await runtimeCall("PUT", `/sessions/${sessionId}/waveform`, { json: waveform }), 409, "conflict");
    await uploadRecording(sessionId, "composite", audio(100));
    const res = await runtimeCall("PUT", `/sessions/${sessionId}/waveform`, { json: waveform });
    expect(res.status).toBe(204);
    const [row] = await withDb((db) => db.select().from(sessionRecordings).where(and(eq(sessionRecordings.sessionId, sessionId), eq(sessionRecordings.track, "composite"))));
    expect(row).toMatchObject({ waveformPeaks: [0, 0.25, 1, 0.5], waveformDurationMs: 4000 });
  });

  it.each([
    ["a peak above 1", { peaks: [0.5, 1.5], durationMs: 10 }, "body.peaks.1"],
    ["more than 4000 peaks", { peaks: Array.from({ length: 4001 }, () => 0.5), durationMs: 10 }, "body.peaks"],
    ["no duration", { peaks: [0.5] }, "body.durationMs"],
  ])("refuses %s naming the field", async (_what, json, field) => {
    const { sessionId } = await dispatched();
    const res = await runtimeCall("PUT", `/sessions/${sessionId}/waveform`, { json });
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
  });
});
