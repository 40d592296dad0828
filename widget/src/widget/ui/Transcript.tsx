// The live transcript (when the agent's config shows it): the latest lines, kept scrolled to the
// newest unless the visitor scrolled up to read.
import { useEffect, useRef } from "preact/hooks";
import type { TranscriptLine } from "../transcript.ts";

export function Transcript({ lines, agentName }: { lines: TranscriptLine[]; agentName: string }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <ol ref={list} class="transcript" aria-label="Transcript">
      {lines.map((line) => (
        <li key={line.key} class={`${line.role}${line.final ? "" : " partial"}`}>
          <span class="sr">{line.role === "user" ? "You: " : `${agentName}: `}</span>
          {line.text}
        </li>
      ))}
    </ol>
  );
}
