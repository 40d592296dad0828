import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { schema } from "@speaknode/db";
import { expectProblem, withDb } from "../../test/helpers.ts";
import { dispatched, recordingsBucket, runtimeCall } from "../runtime/testing.ts";

const { sessionRecordings } = schema;

function audio(bytes: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(bytes));
  for (let i = 0; i < bytes; i++) out[i] = (i * seed) % 251;
  return out;
}

const upload = (sessionId: string, track: string, body: Uint8Array<ArrayBuffer>, contentType = "audio/wav") =>
  runtimeCall("PUT", `/sessions/${sessionId}/recording/${track}`, { body, headers: { "content-type": contentType } });

describe("runtime API: recording", () => {
  it("streams each track into R2 under the session's space and records it", async () => {
    const { world: w, sessionId } = await dispatched();
    const composite = audio(300_000);
    const res = await upload(sessionId, "composite", composite);
    expect(res.status).toBe(200);
    const key = `recordings/${w.spaceId}/${sessionId}/composite.wav`;
    expect(res.body).toEqual({ track: "composite", objectKey: key, contentType: "audio/wav", sizeBytes: 300_000 });
    const object = await recordingsBucket().get(key);
    expect(object?.httpMetadata?.contentType).toBe("audio/wav");
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(composite);

    expect((await upload(sessionId, "user", audio(1000, 3), "audio/ogg; codecs=opus")).body).toMatchObject({ objectKey: `recordings/${w.spaceId}/${sessionId}/user.ogg`, contentType: "audio/ogg" });
    expect((await upload(sessionId, "agent", audio(1000, 5), "audio/x-wav")).body).toMatchObject({ contentType: "audio/wav" });
    const rows = await withDb((db) => db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId)));
    expect(rows.map((r) => [r.track, r.contentType, r.sizeBytes]).sort()).toEqual([
      ["agent", "audio/wav", 1000],
      ["composite", "audio/wav", 300_000],
      ["user", "audio/ogg", 1000],
    ]);
  });

  it("replaces a track on a repeated upload, dropping the object of the old format", async () => {
    const { world: w, sessionId } = await dispatched();
    await upload(sessionId, "composite", audio(10));
    await upload(sessionId, "composite", audio(10));
    const again = await upload(sessionId, "composite", audio(20), "audio/ogg");
    expect(again.body).toMatchObject({ objectKey: `recordings/${w.spaceId}/${sessionId}/composite.ogg`, sizeBytes: 20 });
    expect(await recordingsBucket().head(`recordings/${w.spaceId}/${sessionId}/composite.wav`)).toBeNull();
    const rows = await withDb((db) => db.select().from(sessionRecordings).where(eq(sessionRecordings.sessionId, sessionId)));
    expect(rows).toEqual([expect.objectContaining({ track: "composite", contentType: "audio/ogg", sizeBytes: 20 })]);
  });

  it("refuses other media types, unknown tracks, empty and oversized uploads", async () => {
    const { sessionId } = await dispatched();
    expectProblem(await upload(sessionId, "composite", audio(10), "text/plain"), 415, "unsupported_media_type");
    const badTrack = await upload(sessionId, "caller", audio(10));
    expectProblem(badTrack, 400, "validation_failed");
    expect(badTrack.body["errors"]).toEqual([expect.objectContaining({ field: "path.track" })]);
    expectProblem(await upload(sessionId, "composite", new Uint8Array()), 400, "validation_failed");
    const huge = await runtimeCall("PUT", `/sessions/${sessionId}/recording/composite`, { body: audio(10), headers: { "content-type": "audio/wav", "content-length": String(101 * 1024 * 1024) } });
    expectProblem(huge, 413, "payload_too_large");
    expectProblem(await upload("ses_01jqz8k3m4n5p6q7r8s9t0v1w2", "composite", audio(10)), 404, "not_found");
  });
});

describe("runtime API: waveform", () => {
  it("stores the peaks on the composite recording, once it is uploaded", async () => {
    const { sessionId } = await dispatched();
    const waveform = { peaks: [0, 0.25, 1, 0.5], durationMs: 4000 };
    expectProblem(await runtimeCall("PUT", `/sessions/${sessionId}/waveform`, { json: waveform }), 409, "conflict");
    await upload(sessionId, "composite", audio(100));
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
