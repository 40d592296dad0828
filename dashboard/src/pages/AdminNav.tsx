// The tabs over the platform Admin's pages.
import { adminPath } from "../router.ts";

export function AdminNav({ current }: { current: "users" | "catalog" | "plans" }) {
  const tab = (page: "users" | "catalog" | "plans", label: string) => (
    <a href={adminPath(page)} class={current === page ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <nav class="tabs" aria-label="Platform administration">
      {tab("users", "Users")}
      {tab("catalog", "Model catalog")}
      {tab("plans", "Plans")}
    </nav>
  );
}
