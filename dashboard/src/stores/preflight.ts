// The agent's pre-flight (GET /v1/agents/{id}/preflight): what stops the saved draft from working
// as configured, and whether it differs from the live version. Publishing refused with
// `preflight_failed` brings the same problems; each problem leads to the field it names.
import { signal } from "@preact/signals";
import { AgentPreflight } from "../../../packages/contracts/src/agent-builder.ts";
import type { PreflightProblem } from "../../../packages/contracts/src/problem.ts";
import { errorMessage, type Api } from "../api/client.ts";

export function createPreflightStore(deps: { api: Api; agentId: string }) {
  const result = signal<AgentPreflight | null>(null);
  const checking = signal(false);
  const error = signal<string | null>(null);
  let seq = 0;

  /** Runs the pre-flight; a slower answer to an older check never overwrites a newer one. */
  async function check(): Promise<AgentPreflight | null> {
    const mine = ++seq;
    checking.value = true;
    try {
      const found = await deps.api.json(AgentPreflight, "GET", `/v1/agents/${encodeURIComponent(deps.agentId)}/preflight`);
      if (mine === seq) {
        result.value = found;
        error.value = null;
      }
      return found;
    } catch (err) {
      if (mine === seq) error.value = `Could not run the pre-flight: ${errorMessage(err)}`;
      return null;
    } finally {
      if (mine === seq) checking.value = false;
    }
  }

  /** Publishing was refused: its answer's problems replace the last check's. */
  function refused(problems: PreflightProblem[]): void {
    const previous = result.value;
    result.value = { ok: problems.length === 0, problems, unpublishedChanges: previous?.unpublishedChanges ?? true, checkedAt: new Date().toISOString() };
  }

  return { result, checking, error, check, refused };
}
export type PreflightStore = ReturnType<typeof createPreflightStore>;

/**
 * The `data-field` values to try, best first, when focusing a problem's field: the path itself,
 * the model select for a provider (one control picks both), then ever shorter parents
 * (`locales.1.tts.voice` → `locales.1.tts` → `locales.1`).
 */
export function focusCandidates(field: string): string[] {
  const out = [field];
  if (/(^|\.)provider$/.test(field)) out.push(field.replace(/provider$/, "model"));
  const parts = field.split(".");
  for (let n = parts.length - 1; n > 0; n--) out.push(parts.slice(0, n).join("."));
  return [...new Set(out)];
}

/** Focus the first control marked with one of `focusCandidates(field)`; whether one was found. */
export function focusField(root: ParentNode, field: string): boolean {
  for (const candidate of focusCandidates(field)) {
    const el = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(candidate)}"]`);
    if (el) {
      // A marked wrapper (a prompt box, a picker) hands focus to its first control.
      const control = el.matches("input, select, textarea, button") ? el : (el.querySelector<HTMLElement>("input, select, textarea, button") ?? el);
      control.scrollIntoView({ block: "center" });
      control.focus();
      return true;
    }
  }
  return false;
}

/** `focusField` once the tab that holds the field has rendered (a few frames at most). */
export function focusFieldSoon(root: ParentNode, field: string, frames = 10): void {
  requestAnimationFrame(() => {
    if (!focusField(root, field) && frames > 1) focusFieldSoon(root, field, frames - 1);
  });
}
