// The agent's words while it speaks: a link in the session's transcription output chain that
// gathers the text @livekit/agents streams out for the current segment (one spoken reply, ended
// by `flush`) and reports it as interim text of the agent's next turn, like the user's interim
// transcripts, so a live transcript shows the agent's words in order instead of only once its
// turn is final. Everything is passed on unchanged to the output it was chained in front of
// (LiveKit's RoomIO publishes the transcription to the room from there).
import { voice } from "@livekit/agents";

/** The session's transcription output type (the package's entry point does not export `TextOutput` by name). */
type TextOutput = NonNullable<voice.AgentSession["output"]["transcription"]>;

/** What the tap reports to: the session reporter numbers agent turns and drops text of a turn already final. */
export interface AgentTextTarget {
  readonly nextAgentTurn: number;
  agentPartial(turn: number, text: string): void;
}

/** At most one interim report per segment in this many milliseconds, plus one when the segment ends. */
export const agentTextIntervalMs = 150;

/**
 * `TextOutput` is not exported from the package's entry (`voice` exports only its subclasses) and
 * its `exports` map allows no deep import, while its protected `nextInChain` makes TypeScript
 * refuse a merely structural implementation. `ParalellTextOutput` is an exported `TextOutput`
 * that fans text out to its `sinks`; with none, and both methods overridden, it is a plain link
 * whose `nextInChain`, `onAttached` and `onDetached` are the library's own.
 */
export class AgentTextTap extends voice.ParalellTextOutput {
  readonly #target: AgentTextTarget;
  readonly #intervalMs: number;
  /** The turn the current segment reports under, fixed at its first text; undefined between segments. */
  #turn: number | undefined;
  #text = "";
  #reported = "";
  #reportedAtMs = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(target: AgentTextTarget, next: TextOutput | null, intervalMs = agentTextIntervalMs) {
    super([], next ?? undefined);
    this.#target = target;
    this.#intervalMs = intervalMs;
  }

  override async captureText(text: string | voice.TimedString): Promise<void> {
    this.#add(voice.isTimedString(text) ? text.text : text);
    await this.nextInChain?.captureText(text);
  }

  override flush(): void {
    this.#endSegment();
    this.nextInChain?.flush();
  }

  override onDetached(): void {
    // The session closing (or transcription turned off): what is pending is dropped, so nothing is reported after the end.
    this.#reset();
    super.onDetached();
  }

  #add(delta: string): void {
    this.#turn ??= this.#target.nextAgentTurn;
    this.#text += delta;
    if (this.#timer) return;
    const waitMs = this.#reportedAtMs + this.#intervalMs - Date.now();
    if (waitMs <= 0) {
      this.#report();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#report();
    }, waitMs);
    this.#timer.unref();
  }

  #report(): void {
    this.#reportedAtMs = Date.now();
    // Compared trimmed, as reported: a chunk of only a space between words is not worth a report.
    const text = this.#text.trim();
    if (this.#turn === undefined || text === this.#reported) return;
    this.#reported = text;
    this.#target.agentPartial(this.#turn, text);
  }

  #endSegment(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#report();
    this.#reset();
  }

  #reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#turn = undefined;
    this.#text = "";
    this.#reported = "";
    this.#reportedAtMs = Number.NEGATIVE_INFINITY;
  }
}

/** Puts the tap in front of the session's transcription output; after `start` (RoomIO sets its output there) and before the agent first speaks. */
export function tapAgentText(session: voice.AgentSession, target: AgentTextTarget): AgentTextTap {
  const tap = new AgentTextTap(target, session.output.transcription);
  session.output.transcription = tap;
  return tap;
}
