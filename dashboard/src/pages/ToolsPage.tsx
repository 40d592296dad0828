// Webhook tools of a space: the list (code, method and URL, description, secret header names),
// "New webhook tool", delete with confirmation (a tool agents still use is refused, naming them),
// and the "Import from OpenAPI" panel. Each code opens the tool in the editor (ToolEditorPage).
import { useSignal } from "@preact/signals";
import { Fragment } from "preact";
import { useEffect } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { spacePath, toolPath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { newToolId } from "../stores/tool-editor.ts";
import { inUseBy } from "../stores/tools.ts";
import "../ui/editor.css";
import "../ui/tools.css";
import { InUse } from "./ToolInUse.tsx";
import { ImportPanel } from "./ToolsImport.tsx";

export default function ToolsPage({ spaceId }: { spaceId: string }) {
  const { tools, agents, spaces } = useStores();
  const error = useSignal<string | null>(null);
  const importing = useSignal(false);
  /** The tool a delete was refused for, and the agents using it. */
  const refused = useSignal<{ toolId: string; agentIds: string[] } | null>(null);
  const canEdit = permissionsFor(spaces.role.value).editAgents;
  useEffect(() => {
    error.value = null;
    refused.value = null;
    tools.load(spaceId).catch((err: unknown) => (error.value = errorMessage(err)));
  }, [spaceId]);

  const remove = async (id: string, code: string) => {
    if (!confirm(`Delete the tool "${code}"? This cannot be undone.`)) return;
    error.value = null;
    refused.value = null;
    try {
      await tools.remove(id);
    } catch (err) {
      const agentIds = inUseBy(err);
      if (!agentIds) {
        error.value = errorMessage(err);
        return;
      }
      refused.value = { toolId: id, agentIds };
      // The names of the agents, for the message (ids are all the API gives).
      if (agents.spaceId.value !== spaceId || agents.search.value) agents.load(spaceId).catch(() => {});
    }
  };

  const list = tools.spaceId.value === spaceId ? tools.tools.value : [];
  return (
    <section class="editor tools">
      <div class="row">
        <h1>Tools</h1>
        <span class="spacer" />
        {canEdit && (
          <>
            <button type="button" onClick={() => (importing.value = !importing.value)}>
              {importing.value ? "Close the import" : "Import from OpenAPI"}
            </button>
            <a class="button" href={toolPath(spaceId, newToolId)}>
              New webhook tool
            </a>
          </>
        )}
      </div>
      <p class="muted">
        Webhook tools are HTTP requests an agent's LLM can make during a call. Attach them to agents in each agent's Tools tab (<a href={spacePath(spaceId, "agents")}>agents</a>).
      </p>
      {importing.value && <ImportPanel spaceId={spaceId} />}
      {error.value && <p class="error">{error.value}</p>}
      {list.length === 0 ? (
        <p class="muted">{tools.loading.value ? "Loading…" : "No webhook tools yet."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Code</th>
              <th>Request</th>
              <th>Description</th>
              <th>Secret headers</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <Fragment key={t.id}>
                <tr>
                  <td>
                    <a href={toolPath(spaceId, t.id)}>
                      <code>{t.code}</code>
                    </a>
                  </td>
                  <td class="url">
                    <span class="method">{t.method}</span>
                    {t.url}
                  </td>
                  <td>{t.description}</td>
                  <td>{t.secretHeaderNames.length ? t.secretHeaderNames.map((n) => <code key={n}>{n} </code>) : <span class="muted">—</span>}</td>
                  <td>
                    {canEdit && (
                      <button type="button" class="link danger" onClick={() => void remove(t.id, t.code)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
                {refused.value?.toolId === t.id && (
                  <tr>
                    <td colSpan={5}>
                      <InUse spaceId={spaceId} agentIds={refused.value.agentIds} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
