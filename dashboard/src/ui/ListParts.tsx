// Pieces of a filtered, paged list page (the Webhooks page's deliveries and inbound log): the
// heading with "Refresh", the filter form with its selects and "Clear filters", "Load more", and
// a table of headers (name → value) as a request carried them.
import type { ComponentChildren } from "preact";

export function ListHeading({ title, onRefresh }: { title: string; onRefresh: () => void }) {
  return (
    <div class="row">
      <h3>{title}</h3>
      <span class="spacer" />
      <button type="button" class="link" onClick={onRefresh}>
        Refresh
      </button>
    </div>
  );
}

/** The filters of a list; "Clear filters" shows while any differs from `empty`. */
export function FilterForm<F>({ label, filters, empty, onClear, children }: { label: string; filters: F; empty: F; onClear: () => void; children: ComponentChildren }) {
  return (
    <form class="filters card" aria-label={label} onSubmit={(e) => e.preventDefault()}>
      {children}
      {JSON.stringify(filters) !== JSON.stringify(empty) && (
        <button type="button" class="link" onClick={onClear}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** A filter's select: `any` is the empty choice (no filter), then `options` by value. */
export function FilterSelect<V extends string>({ label, value, any, options, onChange }: { label: string; value: V | ""; any: string; options: readonly { value: V; label: string }[]; onChange: (value: V | "") => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as V | "")}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LoadMore({ loading, onMore }: { loading: boolean; onMore: () => void }) {
  return (
    <button type="button" class="secondary more" disabled={loading} onClick={onMore}>
      Load more
    </button>
  );
}

/** Headers in a table, one row a header (their order as given). */
export function HeadersTable({ caption, pairs }: { caption: string; pairs: readonly (readonly [string, string])[] }) {
  return (
    <table class="headers">
      <caption class="visually-hidden">{caption}</caption>
      <tbody>
        {pairs.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <code>{v}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
