// A VoxImplant connection's "Scenario" panel (Owners): the VoxEngine script to upload to the
// connection's VoxImplant application — read-only, with a Copy button — and the steps to set it up
// in the control panel. "Rotate scenario secret" makes a new secret: the scenario uploaded before
// is refused from then on and must be replaced with the one shown after the rotation.
import { useEffect } from "preact/hooks";
import type { TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import type { ConnectionChecks } from "../stores/telephony-checks.ts";
import { CopyButton } from "../ui/fields.tsx";
import { formatDate } from "../ui/forms.ts";

export const rotateQuestion = (name: string) =>
  `Rotate the scenario secret of "${name}"? The scenario uploaded to VoxImplant stops working at once: calls are refused until you replace it with the new scenario shown here.`;

export function ScenarioPanel({ connection, checks, onClose }: { connection: TelephonyConnection; checks: ConnectionChecks; onClose: () => void }) {
  useEffect(() => {
    void checks.loadScenario(connection.id);
  }, [connection.id]);
  const state = checks.scenarios.value[connection.id];
  const scenario = state?.scenario ?? null;
  const rotate = () => {
    if (!confirm(rotateQuestion(connection.name))) return;
    void checks.rotateScenarioSecret(connection.id);
  };
  const codeId = `scenario-${connection.id}`;
  return (
    <section class="scenario stack" aria-label={`Scenario of ${connection.name}`}>
      <div class="row">
        <h3>VoxEngine scenario</h3>
        <span class="spacer" />
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      {state?.status === "loading" && <p class="muted">{scenario ? "Rotating…" : "Loading the scenario…"}</p>}
      {state?.status === "error" && <p class="error">{state.message}</p>}
      {state?.status === "loaded" && state.rotatedAt && (
        <p class="notice" role="status">
          New secret since {formatDate(state.rotatedAt)}: replace the scenario uploaded to VoxImplant with this one.
        </p>
      )}
      {scenario && (
        <>
          <ol class="steps">
            {scenario.steps.map((step, i) => (
              <li key={i}>{step}</li>
            ))}
          </ol>
          <div class="row">
            <label for={codeId}>
              <code>{scenario.fileName}</code>
            </label>
            <span class="spacer" />
            <CopyButton text={scenario.script} label="Copy scenario" />
          </div>
          <textarea id={codeId} class="code" readOnly rows={14} spellcheck={false} value={scenario.script} />
        </>
      )}
      <div class="row">
        <button type="button" class="danger-fill" disabled={state?.status === "loading"} onClick={rotate}>
          Rotate scenario secret
        </button>
        <span class="muted">The secret lets the scenario call this platform; rotate it if the script leaked.</span>
      </div>
    </section>
  );
}
