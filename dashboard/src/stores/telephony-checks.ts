// What a connection card asks the API on demand: "Check connection" (GET …/health: each thing the
// platform needs from the provider, tried now; members may run it) and a VoxImplant connection's
// scenario (GET …/voximplant-scenario, Owners: the VoxEngine script to upload, with its steps) and
// its secret's rotation (POST …/voximplant-scenario/rotate: the uploaded scenario stops working
// until it is replaced, so the scenario is read again at once). One store per page; the state per
// connection is applied by the pure `applyCheckEvent`, tested without a DOM.
import { batch, signal } from "@preact/signals";
import { ConnectionHealth, VoximplantScenario } from "../../../packages/contracts/src/telephony.ts";
import type { Api } from "../api/client.ts";
import { errorMessage } from "../api/client.ts";

export type HealthState = { status: "checking" } | { status: "done"; health: ConnectionHealth } | { status: "error"; message: string };
export type ScenarioState =
  | { status: "loading"; scenario: VoximplantScenario | null }
  | { status: "loaded"; scenario: VoximplantScenario; rotatedAt: string | null }
  | { status: "error"; scenario: VoximplantScenario | null; message: string };

export type CheckEvent =
  | { type: "health.checking"; connectionId: string }
  | { type: "health.done"; connectionId: string; health: ConnectionHealth }
  | { type: "health.failed"; connectionId: string; message: string }
  | { type: "scenario.loading"; connectionId: string }
  | { type: "scenario.loaded"; connectionId: string; scenario: VoximplantScenario; rotatedAt?: string }
  | { type: "scenario.failed"; connectionId: string; message: string }
  | { type: "forget"; connectionId: string };

export function createCheckState() {
  return {
    health: signal<Record<string, HealthState>>({}),
    scenarios: signal<Record<string, ScenarioState>>({}),
  };
}
type CheckState = ReturnType<typeof createCheckState>;

const without = <T>(record: Record<string, T>, key: string): Record<string, T> => {
  const { [key]: _gone, ...rest } = record;
  return rest;
};

export function applyCheckEvent(state: CheckState, event: CheckEvent): void {
  batch(() => {
    const id = event.connectionId;
    const scenario = state.scenarios.value[id]?.scenario ?? null;
    switch (event.type) {
      case "health.checking":
        state.health.value = { ...state.health.value, [id]: { status: "checking" } };
        break;
      case "health.done":
        // A late answer for a connection deleted meanwhile is dropped.
        if (!state.health.value[id]) return;
        state.health.value = { ...state.health.value, [id]: { status: "done", health: event.health } };
        break;
      case "health.failed":
        if (!state.health.value[id]) return;
        state.health.value = { ...state.health.value, [id]: { status: "error", message: event.message } };
        break;
      case "scenario.loading":
        state.scenarios.value = { ...state.scenarios.value, [id]: { status: "loading", scenario } };
        break;
      case "scenario.loaded":
        if (!state.scenarios.value[id]) return;
        state.scenarios.value = { ...state.scenarios.value, [id]: { status: "loaded", scenario: event.scenario, rotatedAt: event.rotatedAt ?? null } };
        break;
      case "scenario.failed":
        if (!state.scenarios.value[id]) return;
        state.scenarios.value = { ...state.scenarios.value, [id]: { status: "error", scenario, message: event.message } };
        break;
      case "forget":
        state.health.value = without(state.health.value, id);
        state.scenarios.value = without(state.scenarios.value, id);
        break;
    }
  });
}

export function createConnectionChecks(api: Api, now: () => Date = () => new Date()) {
  const state = createCheckState();
  const path = (connectionId: string) => `/v1/telephony-connections/${encodeURIComponent(connectionId)}`;

  /** Runs the connection's health check; the card lists each check with its detail. */
  async function checkHealth(connectionId: string): Promise<void> {
    applyCheckEvent(state, { type: "health.checking", connectionId });
    try {
      const health = await api.json(ConnectionHealth, "GET", `${path(connectionId)}/health`);
      applyCheckEvent(state, { type: "health.done", connectionId, health });
    } catch (err) {
      applyCheckEvent(state, { type: "health.failed", connectionId, message: errorMessage(err) });
    }
  }

  async function loadScenario(connectionId: string, rotatedAt?: string): Promise<void> {
    applyCheckEvent(state, { type: "scenario.loading", connectionId });
    try {
      const scenario = await api.json(VoximplantScenario, "GET", `${path(connectionId)}/voximplant-scenario`);
      applyCheckEvent(state, { type: "scenario.loaded", connectionId, scenario, ...(rotatedAt ? { rotatedAt } : {}) });
    } catch (err) {
      applyCheckEvent(state, { type: "scenario.failed", connectionId, message: errorMessage(err) });
    }
  }

  /**
   * A new scenario secret: the scenario uploaded to VoxImplant is refused from now on, so the
   * scenario (which carries the secret) is read again for the Owner to upload.
   */
  async function rotateScenarioSecret(connectionId: string): Promise<void> {
    applyCheckEvent(state, { type: "scenario.loading", connectionId });
    try {
      await api.empty("POST", `${path(connectionId)}/voximplant-scenario/rotate`);
    } catch (err) {
      applyCheckEvent(state, { type: "scenario.failed", connectionId, message: `The secret was not rotated: ${errorMessage(err)}` });
      return;
    }
    await loadScenario(connectionId, now().toISOString());
  }

  /** A deleted connection's results go with it. */
  const forget = (connectionId: string) => applyCheckEvent(state, { type: "forget", connectionId });

  return { ...state, checkHealth, loadScenario, rotateScenarioSecret, forget };
}

export type ConnectionChecks = ReturnType<typeof createConnectionChecks>;
