// Schema modules are also read by drizzle-kit outside Next, so they do not import "server-only".
import { sql } from "drizzle-orm";
import { customType, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/** A 64-bit transaction id (pg_current_xact_id()); read as text. */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
});

/** A transaction snapshot (pg_current_snapshot()), as its text form xmin:xmax:xip,… */
export const pgSnapshot = customType<{ data: string; driverData: string }>({
  dataType: () => "pg_snapshot",
});

export const projects = pgTable("projects", {
  id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
  name: text("name").notNull().unique(),
  // IANA zone: budget periods start at local midnight here (src/features/budgets/).
  timeZone: text("time_zone").notNull().default("UTC"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull().default("default"),
    // Shown in lists so people can tell keys apart; the key itself is never stored.
    prefix: text("prefix").notNull(),
    keyHash: bytea("key_hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_project_idx").on(t.projectId)],
);

// Server-side secrets shared by every instance (e.g. the key that signs pagination cursors),
// generated in the database on first use so a multi-instance deployment needs no extra config.
export const appSecrets = pgTable("app_secrets", {
  name: text("name").primaryKey(),
  value: bytea("value").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
