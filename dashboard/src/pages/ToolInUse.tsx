// The refusal to delete a tool agents still use, naming them with links to their editors (the
// Tools tab there detaches it).
import { agentPath } from "../router.ts";
import { useStores } from "../stores/index.ts";

/** Who still uses the tool, after a refused delete: links to each agent's editor. */
export function InUse({ spaceId, agentIds }: { spaceId: string; agentIds: string[] }) {
  const { agents } = useStores();
  const name = (id: string) => agents.agents.value.find((a) => a.id === id)?.name ?? id;
  return (
    <div class="in-use" role="alert">
      <strong>This tool is in use, so it was not deleted.</strong>{" "}
      {agentIds.length > 0 ? (
        <>
          Detach it in the Tools tab of{" "}
          {agentIds.map((id, i) => (
            <span key={id}>
              {i > 0 && ", "}
              <a href={agentPath(spaceId, id)}>{name(id)}</a>
            </span>
          ))}{" "}
          first.
        </>
      ) : (
        "Detach it from the agents that use it first."
      )}
    </div>
  );
}
