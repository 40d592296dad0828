// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (Neon or any Postgres).
import { migrateDatabase } from "@speaknode/db/node";

const url = process.env["DATABASE_URL"];
if (!url) {
  console.error("set DATABASE_URL to the database to migrate");
  process.exit(2);
}
await migrateDatabase(url, process.env["DB_LOCAL_PROXY"]);
console.log("migrations applied");
