// The document's operations: a search box, pages of 25, a checkbox per operation (the selection
// survives searching and paging), "select all matching" (up to 200 in all) and the count selected.
// Each row shows the operation as the index has it, and once its draft is loaded the tool it
// becomes: code, URL, "form-encoded", the credentials it needs and what would keep it from importing.
import { useEffect } from "preact/hooks";
import { toolUrlOrigin } from "../../../packages/contracts/src/tools.ts";
import { codeOf, draftText, maxImportedTools, pageSize, type ToolImportStore } from "../stores/tool-import.ts";

export function OperationIndex({ store }: { store: ToolImportStore }) {
  const shown = store.index.value;
  const visible = store.visible.value;
  const selected = new Set(store.selected.value);
  const matching = store.matching.value;
  const page = store.page.value;
  const pages = store.pageCount.value;
  // Drafts for what is on screen and selected, a moment after the user stops paging or typing.
  useEffect(() => {
    const t = setTimeout(() => void store.loadDetails(), 200);
    return () => clearTimeout(t);
  }, [store, visible, store.selected.value]);
  if (!shown) return null;
  const total = shown.operations.length;
  const pageSelectable = visible.filter((o) => !(store.details.value[o.code]?.errors.length ?? 0)).map((o) => o.code);
  const allOnPage = pageSelectable.length > 0 && pageSelectable.every((c) => selected.has(c));
  const first = matching.length === 0 ? 0 : page * pageSize + 1;
  const last = Math.min(matching.length, (page + 1) * pageSize);

  return (
    <div class="stack op-index">
      <h3>
        {total} operation{total === 1 ? "" : "s"} in the document
      </h3>
      <div class="row">
        <label class="grow search">
          Search operations
          <input type="search" value={store.search.value} placeholder="code, path, summary or tag" onInput={(e) => store.setSearch(e.currentTarget.value)} />
        </label>
        <button type="button" class="secondary" onClick={() => store.selectAllMatching()} disabled={matching.length === 0}>
          Select all {matching.length} matching{matching.length > maxImportedTools ? ` (first ${maxImportedTools})` : ""}
        </button>
        <span class="selected-count" aria-live="polite">
          <strong>{store.selected.value.length}</strong> selected
        </span>
        {store.selected.value.length > 0 && (
          <button type="button" class="link" onClick={() => store.clearSelection()}>
            Clear the selection
          </button>
        )}
      </div>
      {store.detailsError.value && <p class="error">{store.detailsError.value}</p>}
      {matching.length === 0 ? (
        <p class="muted">No operation matches “{store.search.value}”.</p>
      ) : (
        <table class="ops">
          <caption class="muted">
            {matching.length === total ? `${first}–${last} of ${total}` : `${first}–${last} of ${matching.length} matching (${total} in all)`}
          </caption>
          <thead>
            <tr>
              <th>
                <input type="checkbox" aria-label="Select the operations on this page" checked={allOnPage} onChange={(e) => pageSelectable.forEach((c) => store.toggle(c, e.currentTarget.checked))} />
              </th>
              <th>Operation</th>
              <th>Tool</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((op) => {
              const item = store.details.value[op.code];
              const errors = store.errorsOf(op.code);
              return (
                <tr key={op.code} data-op={op.code} class={errors.length ? "has-errors" : ""}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${op.method.toUpperCase()} ${op.path}`} checked={selected.has(op.code)} disabled={(item?.errors.length ?? 0) > 0 && !selected.has(op.code)} onChange={(e) => store.toggle(op.code, e.currentTarget.checked)} />
                  </td>
                  <td class="url">
                    <span class="method">{op.method.toUpperCase()}</span>
                    {op.path}
                    {op.summary && <div class="summary">{op.summary}</div>}
                    <div class="chips">
                      {op.tags.map((t) => (
                        <span key={t} class="tag">
                          {t}
                        </span>
                      ))}
                      {op.deprecated && <span class="tag warn">deprecated</span>}
                    </div>
                  </td>
                  <td>
                    <code>{item ? codeOf(item) : op.code}</code>
                    {item ? (
                      <div class="chips">
                        {item.draft["bodyEncoding"] === "form" && <span class="tag form">form-encoded</span>}
                        {item.credentials.map((c) => (
                          <span key={`${c.kind}:${c.name}`} class="tag" title={c.description}>
                            {c.kind === "basic" ? "basic auth" : c.kind === "bearer" ? "bearer token" : `${c.kind === "query" ? "query" : "header"} ${c.name}`}
                          </span>
                        ))}
                        {item.needsBaseUrl && <span class="tag warn">needs a base URL</span>}
                      </div>
                    ) : (
                      <div class="muted">Loading its details…</div>
                    )}
                    {item && toolUrlOrigin(draftText(item, "url")) && <div class="muted url-line">to {toolUrlOrigin(draftText(item, "url"))}</div>}
                    {errors.length > 0 && (
                      <ul class="errors">
                        {errors.map((e) => (
                          <li key={e}>{e}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {pages > 1 && (
        <nav class="row pager" aria-label="Pages of operations">
          <button type="button" class="secondary" onClick={() => store.setPage(page - 1)} disabled={page === 0}>
            Previous page
          </button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <button type="button" class="secondary" onClick={() => store.setPage(page + 1)} disabled={page >= pages - 1}>
            Next page
          </button>
        </nav>
      )}
      <SelectedList store={store} />
    </div>
  );
}

/** The selection, whatever page or search is on screen: each can be removed from here. */
function SelectedList({ store }: { store: ToolImportStore }) {
  const codes = store.selected.value;
  if (codes.length === 0) return null;
  const byCode = new Map((store.index.value?.operations ?? []).map((o) => [o.code, o]));
  return (
    <details class="selected-list">
      <summary>
        The {codes.length} selected operation{codes.length === 1 ? "" : "s"}
        {store.refused.value.length > 0 ? ` (${store.refused.value.length} cannot be imported)` : ""}
      </summary>
      <ul>
        {codes.map((c) => {
          const op = byCode.get(c);
          return (
            <li key={c}>
              <code>{c}</code> {op && <span class="muted">{`${op.method.toUpperCase()} ${op.path}`}</span>}{" "}
              <button type="button" class="link" aria-label={`Deselect ${c}`} onClick={() => store.toggle(c, false)}>
                Deselect
              </button>
            </li>
          );
        })}
      </ul>
    </details>
  );
}
