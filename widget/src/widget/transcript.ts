// The live transcript as shown: one line per turn, a partial replaced by later partials and by
// its final text, bounded so a long call does not grow the page without limit.
import type { TranscriptUpdate } from "./live-events.ts";

export interface TranscriptLine {
  key: string;
  role: "user" | "agent";
  text: string;
  final: boolean;
}

export const maxTranscriptLines = 100;

export function applyTranscript(lines: readonly TranscriptLine[], updates: readonly TranscriptUpdate[]): TranscriptLine[] {
  if (updates.length === 0) return lines.slice();
  const out = lines.slice();
  for (const update of updates) {
    const key = `${update.role}:${update.turnId}`;
    const line: TranscriptLine = { key, role: update.role, text: update.text, final: update.final };
    const index = out.findIndex((l) => l.key === key);
    // A final never goes back to partial (a replayed partial after its final is stale).
    if (index === -1) out.push(line);
    else if (!out[index]?.final || update.final) out[index] = line;
  }
  return out.length > maxTranscriptLines ? out.slice(out.length - maxTranscriptLines) : out;
}
