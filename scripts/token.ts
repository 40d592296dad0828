// `npm run -s token -- [email]`: prints an access token for a seeded dev user, obtained from the
// running development issuer with the password grant (like Keycloak's direct access grants).
import { devIdentities, devPassword } from "@speaknode/db";

const email = process.argv[2] ?? "owner@speaknode.local";
const base = process.env["SPEAKNODE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 8787}`;

if (!devIdentities.some((u) => u.email === email)) {
  console.error(`unknown dev user ${email}; one of: ${devIdentities.map((u) => u.email).join(", ")}`);
  process.exit(2);
}

try {
  const res = await fetch(`${base}/dev/oidc/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: "speaknode-cli", username: email, password: devPassword, scope: "openid email profile" }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    console.error(`the dev issuer refused: ${body.error_description ?? res.status}`);
    process.exit(1);
  }
  console.log(body.access_token);
} catch {
  console.error(`no Speaknode at ${base}: start it with npm run dev`);
  process.exit(1);
}
