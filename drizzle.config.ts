import { defineConfig } from "drizzle-kit";

// Used only by `npm run db:generate` to write SQL migrations; the app applies them itself.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/server/db/schema/index.ts",
  out: "./drizzle",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" },
});
