// The publish gate on the Publish tab: a publish refused because required test cases failed
// (`tests_failed`) shows what failed with a link to the gate's run; an Owner may publish anyway
// (overrideTests, recorded with the version). Each version's row says what the gate found then.
import { useSignal } from "@preact/signals";
import type { TestGate } from "../../../packages/contracts/src/test-gate.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";

/** "2 failed, 1 error, 3 passed, 1 skipped" (zero counts left out). */
export function gateCounts(gate: TestGate): string {
  const parts = [
    [gate.failed, "failed"],
    [gate.errors, gate.errors === 1 ? "error" : "errors"],
    [gate.passed, "passed"],
    [gate.skipped, "skipped"],
  ] as const;
  return parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`).join(", ") || "no cases ran";
}

export function TestGateRefusal({ store, onOpenRun }: { store: AgentEditorStore; onOpenRun?: ((runId: string) => void) | undefined }) {
  const { spaces } = useStores();
  const note = useSignal("");
  const gate = store.testGate.value;
  if (!gate) return null;
  const owner = spaces.role.value === "owner";
  const busy = store.busy.value !== null;
  // The refused attempt passed the pre-flight, or an Owner had already chosen to publish despite it.
  const force = (store.preflight.result.value?.problems.length ?? 0) > 0;
  const override = async () => {
    if (!confirm("Publish although required test cases failed? The failures are recorded with the version.")) return;
    if (await store.publish(note.value, { overrideTests: true, force })) note.value = "";
  };
  return (
    <div class="card stack test-gate" role="alert" aria-label="Required tests failed">
      <h3>Publishing refused: required test cases failed</h3>
      <p>
        {gateCounts(gate)}.{" "}
        {onOpenRun && (
          <button type="button" class="link" onClick={() => onOpenRun(gate.runId)}>
            Open the run
          </button>
        )}
      </p>
      <ul>
        {gate.failures.map((f, i) => (
          <li key={`${f.caseId}:${i}`}>
            <strong>{f.caseName}</strong>: <span class="error">{f.message}</span>
          </li>
        ))}
      </ul>
      {owner ? (
        <div class="row">
          <input aria-label="Note for the overriding version" placeholder="Why publish anyway (version note)" maxLength={200} value={note.value} onInput={(e) => (note.value = e.currentTarget.value)} />
          <button type="button" class="danger-outline" onClick={() => void override()} disabled={busy || store.dirty.value}>
            Publish anyway
          </button>
        </div>
      ) : (
        <p class="muted">Only an Owner of this space can publish despite failed required tests.</p>
      )}
    </div>
  );
}

/** A version's gate as its history row shows it (the versions list carries it). */
export function VersionGate({ gate }: { gate: TestGate | null | undefined }) {
  if (!gate) return <span class="muted">no required tests</span>;
  const ok = gate.failed === 0 && gate.errors === 0;
  return (
    <span title={gate.failures.map((f) => `${f.caseName}: ${f.message}`).join("\n")}>
      <span class={`badge ${ok ? "ok" : gate.overridden ? "warn" : "danger"}`}>{ok ? "tests passed" : gate.overridden ? "tests failed — overridden" : "tests failed"}</span> <span class="muted">{gateCounts(gate)}</span>
    </span>
  );
}
