// The tabs over the platform Admin's pages.
import { adminPath } from "../router.ts";

export function AdminNav({ current }: { current: "users" | "catalog" }) {
  const tab = (page: "users" | "catalog", label: string) => (
    <a href={adminPath(page)} class={current === page ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label="Platform administration">
      {tab("users", "Users")}
      {tab("catalog", "Model catalog")}
    </nav>
  );
}
