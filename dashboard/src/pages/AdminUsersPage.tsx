// Platform Admin: every user, newest first, with how many spaces each is in and when they last
// signed in; further pages on request.
import { useEffect } from "preact/hooks";
import { useStores } from "../stores/index.ts";
import { formatDate } from "../ui/forms.ts";
import { AdminNav } from "./AdminNav.tsx";

export default function AdminUsersPage() {
  const { admin } = useStores();
  const users = admin.users;
  useEffect(() => void users.load(), []);
  return (
    <section>
      <AdminNav current="users" />
      <h1>Users</h1>
      {users.error.value && <p class="error">{users.error.value}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Spaces</th>
            <th>Signed up</th>
            <th>Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          {users.users.value.map((u) => (
            <tr key={u.id}>
              <td>
                {u.name ?? "—"} {u.isPlatformAdmin && <span class="badge ok">Admin</span>}
              </td>
              <td>{u.email}</td>
              <td>{u.spaceCount}</td>
              <td>{formatDate(u.createdAt)}</td>
              <td>{formatDate(u.lastLoginAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {users.loading.value ? (
        <p class="muted">Loading…</p>
      ) : users.nextCursor.value ? (
        <button onClick={() => void users.loadMore()}>Show more</button>
      ) : (
        users.users.value.length > 0 && <p class="muted">All {users.users.value.length} users shown.</p>
      )}
    </section>
  );
}
