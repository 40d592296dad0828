// Tabs as the WAI-ARIA pattern has them: a tablist of buttons (only the selected one in the Tab
// order, the arrow keys and Home/End move between them and select), and one tabpanel labelled by
// its tab. The panel opens with a visually hidden h2 naming the tab, so headings inside the panels
// (h3) follow the page's h1 in order.
import type { ComponentChildren } from "preact";
import { tabForKey } from "./tab-keys.ts";

export interface TabItem<T extends string> {
  id: T;
  label: string;
  /** A count shown on the tab (errors in it, say), announced as "<n> <countLabel>". */
  count?: number;
}

export function Tabs<T extends string>(props: {
  /** Prefix of the tabs' and panel's element ids; unique on the page. */
  idPrefix: string;
  label: string;
  tabs: TabItem<T>[];
  selected: T;
  onSelect: (id: T) => void;
  countLabel?: string;
  children: ComponentChildren;
}) {
  const tabId = (id: T) => `${props.idPrefix}-tab-${id}`;
  const panelId = `${props.idPrefix}-panel`;
  const onKeyDown = (e: KeyboardEvent) => {
    const next = tabForKey(
      props.tabs.map((t) => t.id),
      props.selected,
      e.key,
    );
    if (next === null) return;
    e.preventDefault();
    props.onSelect(next);
    document.getElementById(tabId(next))?.focus();
  };
  const current = props.tabs.find((t) => t.id === props.selected);
  return (
    <>
      <div class="tabs" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
        {props.tabs.map((t) => {
          const selected = t.id === props.selected;
          return (
            <button
              key={t.id}
              id={tabId(t.id)}
              type="button"
              role="tab"
              aria-selected={selected}
              aria-controls={panelId}
              tabIndex={selected ? 0 : -1}
              class={selected ? "active" : ""}
              onClick={() => props.onSelect(t.id)}
            >
              {t.label}
              {(t.count ?? 0) > 0 && (
                <>
                  <span class="count" aria-hidden="true">
                    {t.count}
                  </span>
                  <span class="visually-hidden">{`, ${t.count} ${props.countLabel ?? ""}`.trimEnd()}</span>
                </>
              )}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={panelId} aria-labelledby={tabId(props.selected)} tabIndex={0} class="tab-panel">
        <h2 class="visually-hidden">{current?.label ?? ""}</h2>
        {props.children}
      </div>
    </>
  );
}
