// "Save as test" on a session's detail page: the API turns the session's transcript into a
// scripted test case of its agent (caller lines, the observed tool calls as expectations and
// mocks), then the agent's Tests tab opens with the new case ready to edit.
import { useSignal } from "@preact/signals";
import { errorMessage } from "../api/client.ts";
import { saveSessionAsTest, testsTabPath } from "../stores/agent-tests.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";

export function SaveSessionAsTest({ sessionId, agentId }: { sessionId: string; agentId: string }) {
  const { api, router, spaces } = useStores();
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const spaceId = spaces.currentId.value;
  if (!spaceId || !permissionsFor(spaces.role.value).editAgents) return null;
  const save = async () => {
    busy.value = true;
    error.value = null;
    try {
      const created = await saveSessionAsTest(api, sessionId);
      router.navigate(testsTabPath(spaceId, agentId, created.id));
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <span class="row">
      <button type="button" class="secondary" onClick={() => void save()} disabled={busy.value} title="A scripted test case of this agent from this call's turns and tool calls">
        {busy.value ? "Saving…" : "Save as test case"}
      </button>
      {error.value && <span class="error">{error.value}</span>}
    </span>
  );
}
