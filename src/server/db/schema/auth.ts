// Accounts: Better Auth's four tables (users, sessions, accounts, verifications; the JS field names
// are the ones its Drizzle adapter expects) and the app's own project memberships.
import { sql } from "drizzle-orm";
import { type AnyPgColumn, boolean, check, index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { projects } from "./projects";

const ts = (name: string) => timestamp(name, { withTimezone: true });
const timestamps = () => ({
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});
const userRef = () =>
  uuid("user_id")
    .notNull()
    .references((): AnyPgColumn => users.id, { onDelete: "cascade" });

export const users = pgTable("users", {
  id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
  name: text("name").notNull(),
  // Always lower-cased before it is stored or looked up (Better Auth does the same on sign-in).
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  ...timestamps(),
});

// One row per signed-in browser. Signing out deletes the row, so the cookie is worthless at once.
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    expiresAt: ts("expires_at").notNull(),
    token: text("token").notNull().unique(),
    ...timestamps(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: userRef(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

// Sign-in methods of a user: `credential` (the scrypt password hash) or an OIDC provider's subject.
export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: userRef(),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: ts("access_token_expires_at"),
    refreshTokenExpiresAt: ts("refresh_token_expires_at"),
    scope: text("scope"),
    password: text("password"),
    ...timestamps(),
  },
  (t) => [index("accounts_user_idx").on(t.userId)],
);

// OAuth state and the first-run setup tokens (identifier `setup-token`, value = SHA-256 of the token).
export const verifications = pgTable(
  "verifications",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: ts("expires_at").notNull(),
    ...timestamps(),
  },
  (t) => [index("verifications_identifier_idx").on(t.identifier)],
);

export const PROJECT_ROLES = ["owner", "member", "viewer"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

// Who may see a project: owners manage members, keys and prices; members manage keys and prices;
// viewers read. project_id leads the key like every other per-project table.
export const memberships = pgTable(
  "memberships",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: userRef(),
    role: text("role", { enum: PROJECT_ROLES }).notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index("memberships_user_idx").on(t.userId),
    check("memberships_role_ck", sql`${t.role} IN ('owner', 'member', 'viewer')`),
  ],
);
