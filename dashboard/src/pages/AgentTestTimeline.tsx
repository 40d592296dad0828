// The test panel's own live view of a test session, in the room's order: what the user and the
// agent said (interim text as it arrives), tool calls with their arguments and results, hand-offs
// and each turn's latency, then how the call ended — for a failure, the cause in words.
import { sessionPath } from "../router.ts";
import { isSettled, isUnderWay, phaseLabel, turnLatencies, type TestEntry, type TestPhase, type TestSessionState, type TestSessionStore } from "../stores/test-session.ts";
import { formatDuration } from "../ui/session-format.ts";

const badgeOf = (phase: TestPhase) => (phase === "completed" || phase === "active" ? "badge ok" : phase === "failed" || phase === "refused" ? "badge danger" : "badge");
const badgeWords: Record<TestPhase, string> = { idle: "Ready", starting: "Starting", refused: "Not started", pending: "Connecting", dispatching: "Connecting", active: "Live", completed: "Ended", failed: "Failed" };

const json = (value: unknown) => JSON.stringify(value, null, 2) ?? "null";

export function TestTimeline({ test, spaceId }: { test: TestSessionStore; spaceId: string }) {
  const s = test.state.value;
  const names = test.agentNames.value;
  const nameOf = (id: string) => names[id] ?? id;
  return (
    <div class="test-timeline" data-test-phase={s.phase} data-test-session={s.sessionId ?? ""}>
      <p class="row" role="status">
        <span class={badgeOf(s.phase)}>{badgeWords[s.phase]}</span> {phaseLabel(s.phase)}
      </p>
      {s.phase === "refused" && s.refusal && <p class="error">{s.refusal}</p>}
      {isUnderWay(s.phase) && s.entries.length === 0 && <p class="muted">What you and the agent say appears here as it is heard.</p>}
      <ol class="test-entries" aria-live="polite" aria-label="Test call transcript">
        {s.entries.map((e) => (
          <Entry key={`${e.kind}:${e.seq}`} entry={e} nameOf={nameOf} />
        ))}
      </ol>
      <Outcome state={s} spaceId={spaceId} />
    </div>
  );
}

function Entry({ entry: e, nameOf }: { entry: TestEntry; nameOf: (id: string) => string }) {
  switch (e.kind) {
    case "turn": {
      const latencies = turnLatencies(e.metrics);
      return (
        <li class={`test-turn ${e.role}${e.final ? "" : " interim"}`} data-turn={e.turnId} data-final={e.final ? "true" : "false"}>
          <strong>{e.role === "user" ? "You" : "Agent"}</strong> <span class="test-text">{e.text}</span>
          {!e.final && <span class="muted"> …</span>}
          {latencies.length > 0 && (
            <small class="test-latency muted">
              {latencies.map((l) => `${l.label} ${l.ms} ms`).join(" · ")}
            </small>
          )}
        </li>
      );
    }
    case "tool":
      return (
        <li class="test-tool" data-tool={e.name}>
          <div class="row">
            <span>
              Tool <code>{e.name}</code>
            </span>
            <span class={e.status === "ok" ? "badge ok" : e.status === "error" ? "badge danger" : "badge"}>{e.status ?? "called"}</span>
            {e.latencyMs !== null && <small class="muted">{e.latencyMs} ms</small>}
          </div>
          {e.arguments && (
            <>
              <small class="muted">Arguments</small>
              <pre>{json(e.arguments)}</pre>
              {e.error ? (
                <p class="error">{e.error}</p>
              ) : (
                <>
                  <small class="muted">Result{e.truncated ? " (shortened: the session page has all of it)" : ""}</small>
                  <pre>{json(e.result)}</pre>
                </>
              )}
            </>
          )}
        </li>
      );
    case "handoff":
      return (
        <li class="test-handoff" data-handoff={e.toAgentId}>
          Handed over from <strong>{nameOf(e.fromAgentId)}</strong> to <strong>{nameOf(e.toAgentId)}</strong>
          {e.language ? ` (${e.language})` : ""}
        </li>
      );
  }
}

function Outcome({ state: s, spaceId }: { state: TestSessionState; spaceId: string }) {
  if (!s.sessionId) return null;
  const link = <a href={sessionPath(spaceId, s.sessionId)}>Open this session</a>;
  if (s.phase === "failed") {
    const cause = s.cause ?? [];
    return (
      <div class="test-outcome failed" role="alert" data-test-cause={cause.join("\n")}>
        <strong>Why:</strong>{" "}
        {s.cause === null ? (
          <span class="muted">looking it up…</span>
        ) : cause.length > 0 ? (
          cause.map((m) => <p key={m}>{m}</p>)
        ) : (
          <span>{s.failureReason ?? "No cause was recorded."}</span>
        )}{" "}
        {link}
      </div>
    );
  }
  if (isSettled(s.phase)) {
    return (
      <p class="test-outcome">
        {s.durationMs !== null ? `It lasted ${formatDuration(s.durationMs)}. ` : ""}
        {link}
      </p>
    );
  }
  return <p class="test-outcome">{link}</p>;
}
