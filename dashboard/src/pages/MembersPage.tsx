// Members of a space with their roles; Owners change roles, remove members and manage
// invitations (send, resend, revoke) and see whether each invitation's email was delivered.
// Members see the list and may leave.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { CreateInvitationBody, type Member, type SpaceRole } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { deliveryInFlight, deliveryView } from "../stores/invitation-delivery.ts";
import { canRemoveMember, permissionsFor } from "../stores/permissions.ts";
import { formatDate, formErrors, type FieldErrors } from "../ui/forms.ts";

export default function MembersPage({ spaceId }: { spaceId: string }) {
  const { members, spaces, me, router, config } = useStores();
  const error = useSignal<string | null>(null);
  const can = permissionsFor(spaces.role.value);
  useEffect(() => {
    error.value = null;
    members.load(spaceId, can.invite).catch((err: unknown) => (error.value = errorMessage(err)));
  }, [spaceId, can.invite]);

  const run = async (action: () => Promise<void>) => {
    error.value = null;
    try {
      await action();
    } catch (err) {
      error.value = errorMessage(err);
    }
  };
  const myId = me.user.value?.id ?? null;
  const remove = (m: Member, how: "remove" | "leave") => {
    const question = how === "leave" ? "Leave this space? You will lose access to it." : `Remove ${m.email} from this space?`;
    if (!confirm(question)) return;
    void run(async () => {
      await members.remove(m.userId);
      if (how === "leave") router.navigate(config.basePath);
    });
  };

  return (
    <section>
      <h1>Members</h1>
      {error.value && <p class="error">{error.value}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Joined</th>
            <th><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {members.members.value.map((m) => {
            const removal = canRemoveMember(spaces.role.value, myId, m.userId);
            return (
              <tr key={m.userId}>
                <td>{m.name ?? "—"}</td>
                <td>{m.email}</td>
                <td>
                  {can.manageMembers ? (
                    <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void run(() => members.changeRole(m.userId, e.currentTarget.value === "owner" ? "owner" : "member"))}>
                      <option value="owner">Owner</option>
                      <option value="member">Member</option>
                    </select>
                  ) : (
                    roleLabel(m.role)
                  )}
                </td>
                <td>{formatDate(m.joinedAt)}</td>
                <td>
                  {removal && (
                    <button class="danger link" onClick={() => remove(m, removal)}>
                      {removal === "leave" ? "Leave" : "Remove"}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {members.loading.value && members.members.value.length === 0 && <p class="muted">Loading…</p>}
      {can.invite && <Invitations run={run} />}
    </section>
  );
}

const roleLabel = (r: SpaceRole) => (r === "owner" ? "Owner" : "Member");

function Invitations({ run }: { run: (action: () => Promise<void>) => Promise<void> }) {
  const { members } = useStores();
  const email = useSignal("");
  const role = useSignal<SpaceRole>("member");
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  // Email goes out after the API answers: look again while any is on its way (retries are minutes
  // apart, so a slow poll is enough and stops once every email has an outcome).
  const inFlight = deliveryInFlight(members.invitations.value);
  useEffect(() => {
    if (!inFlight) return;
    const timer = setInterval(() => void members.reloadInvitations().catch(() => undefined), 5_000);
    return () => clearInterval(timer);
  }, [inFlight]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = CreateInvitationBody.safeParse({ email: email.value, role: role.value });
    if (!parsed.success) {
      fields.value = formErrors(parsed.error).fields;
      return;
    }
    fields.value = {};
    message.value = null;
    try {
      const sent = await members.invite(parsed.data);
      message.value = `Invitation to ${sent.email} created; its email is on its way.`;
      email.value = "";
    } catch (err) {
      const f = formErrors(err);
      fields.value = f.fields;
      message.value = f.message;
    }
  };
  return (
    <>
      <h2>Invitations</h2>
      <form class="row" onSubmit={submit} noValidate>
        <label>
          Email
          <input type="email" value={email.value} onInput={(e) => (email.value = e.currentTarget.value)} />
        </label>
        <label>
          Role
          <select value={role.value} onChange={(e) => (role.value = e.currentTarget.value === "owner" ? "owner" : "member")}>
            <option value="member">Member</option>
            <option value="owner">Owner</option>
          </select>
        </label>
        <button type="submit">Send invitation</button>
      </form>
      {fields.value["email"] && <p class="error">Email {fields.value["email"]}</p>}
      {message.value && <p class="muted">{message.value}</p>}
      {members.invitations.value.length === 0 ? (
        <p class="muted">No pending invitations.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Last sent</th>
              <th>Delivery</th>
              <th>Expires</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {members.invitations.value.map((i) => {
              const delivery = deliveryView(i, formatDate);
              return (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{roleLabel(i.role)}</td>
                  <td>
                    {formatDate(i.lastSentAt)} ({i.sendCount}×)
                  </td>
                  <td class={delivery.tone === "error" ? "error" : delivery.tone === "muted" ? "muted" : undefined} data-delivery={i.delivery?.status ?? "none"}>
                    {delivery.text}
                  </td>
                  <td>{formatDate(i.expiresAt)}</td>
                  <td>
                    <button class={delivery.needsResend ? undefined : "link"} onClick={() => void run(() => members.resend(i.id))}>
                      Resend
                    </button>{" "}
                    <button class="link danger" onClick={() => confirm(`Revoke the invitation to ${i.email}?`) && void run(() => members.revoke(i.id))}>
                      Revoke
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
