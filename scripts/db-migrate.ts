// npm run db:migrate: apply pending migrations and load the price catalog, then exit.
import { openScriptDb } from "./lib/database";

const db = await openScriptDb();
await db.close();
console.log("migrations applied, price catalog loaded");
