// /app/invitations/accept?token=…: reached signed in (the shell sends signed-out visitors to the
// issuer first and brings them back here with the token), accepts once, and opens the space.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { spacePath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { acceptInvitation } from "../stores/invitations.ts";

export default function AcceptInvitationPage({ token }: { token: string | null }) {
  const { api, spaces, router, me, config } = useStores();
  const error = useSignal<string | null>(null);
  useEffect(() => {
    if (!token) return;
    acceptInvitation(api, spaces, token).then(
      (accepted) => router.navigate(spacePath(accepted.spaceId, "agents"), { replace: true }),
      (err: unknown) => (error.value = errorMessage(err)),
    );
  }, [token]);
  if (!token) return <p class="error">This invitation link has no token. Open the link from the email again.</p>;
  if (!error.value) return <p class="muted">Accepting the invitation…</p>;
  return (
    <section class="card narrow">
      <h1>The invitation could not be accepted</h1>
      <p class="error">{error.value}</p>
      <p class="muted">You are signed in as {me.user.value?.email ?? "…"}. Invitations work only for the address they were sent to.</p>
      <a href={config.basePath}>Go to your spaces</a>
    </section>
  );
}
