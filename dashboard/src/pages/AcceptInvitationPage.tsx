// /app/invitations/accept?token=…: reached signed in (the shell sends signed-out visitors to the
// issuer first and brings them back here with the token). Reads the invitation first so the page
// says which space invited you, as what and who sent it; joining is one click, then the space opens.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { InvitationPreview } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage } from "../api/client.ts";
import { spacePath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { acceptInvitation, previewInvitation } from "../stores/invitations.ts";

const closed: Record<Exclude<InvitationPreview["status"], "pending">, string> = {
  accepted: "This invitation was already used.",
  revoked: "This invitation was withdrawn.",
  expired: "This invitation has expired.",
};

export default function AcceptInvitationPage({ token }: { token: string | null }) {
  const { api, spaces, router, me, config } = useStores();
  const preview = useSignal<InvitationPreview | null>(null);
  const error = useSignal<string | null>(null);
  const joining = useSignal(false);
  useEffect(() => {
    if (!token) return;
    previewInvitation(api, token).then(
      (p) => (preview.value = p),
      (err: unknown) => (error.value = errorMessage(err)),
    );
  }, [token]);
  const join = () => {
    if (!token) return;
    joining.value = true;
    error.value = null;
    acceptInvitation(api, spaces, token).then(
      (accepted) => router.navigate(spacePath(accepted.spaceId, "agents"), { replace: true }),
      (err: unknown) => {
        joining.value = false;
        error.value = errorMessage(err);
      },
    );
  };
  const signedInAs = me.user.value?.email ?? "…";
  if (!token) {
    return (
      <section class="card narrow">
        <h1>This invitation link is incomplete</h1>
        <p class="error">The link has no token. Open the link from the email again.</p>
      </section>
    );
  }
  const p = preview.value;
  if (!p && !error.value) return <p class="muted">Reading the invitation…</p>;
  if (!p) {
    return (
      <section class="card narrow">
        <h1>The invitation could not be opened</h1>
        <p class="error">{error.value}</p>
        <p class="muted">You are signed in as {signedInAs}. Invitations work only for the address they were sent to.</p>
        <a href={config.basePath}>Go to your spaces</a>
      </section>
    );
  }
  const role = p.role === "owner" ? "an Owner" : "a Member";
  const otherAddress = me.user.value && me.user.value.email.toLowerCase() !== p.email.toLowerCase();
  return (
    <section class="card narrow">
      <h1>Join {p.spaceName}</h1>
      <p>
        {p.invitedByName ? `${p.invitedByName} invited you` : "You are invited"} to join <strong>{p.spaceName}</strong> on Speaknode as {role}.
      </p>
      {p.status !== "pending" && <p class="error">{closed[p.status]} Ask an Owner of {p.spaceName} for a new one.</p>}
      {p.status === "pending" && otherAddress && (
        <p class="error">
          It was sent to {p.email}, and you are signed in as {signedInAs}: sign in with that address to join.
        </p>
      )}
      {error.value && <p class="error">{error.value}</p>}
      <div class="row">
        {p.status === "pending" && (
          <button type="button" onClick={join} disabled={joining.value || Boolean(otherAddress)}>
            {joining.value ? "Joining…" : `Join ${p.spaceName}`}
          </button>
        )}
        <a href={config.basePath}>Go to your spaces</a>
      </div>
    </section>
  );
}
