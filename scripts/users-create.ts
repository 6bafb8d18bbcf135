// npm run users:create -- --email EMAIL [--name NAME] [--project NAME] [--role owner|member|viewer]
//   [--password-stdin | --password PASSWORD]
// Creates a user who signs in with email and password (or, for an existing user, changes the role
// and, when one is given, the password) and makes them a member of the project (created if needed).
// Without a password a new user gets a generated one, printed once.
import { randomBytes } from "node:crypto";
import { emailSchema, passwordSchema, roleSchema } from "~/features/auth/server";
import { DEFAULT_PROJECT, ensureUser, findUserByEmail, hasUsers } from "~/server/auth/users";
import { parseArgs } from "./lib/args";
import { openScriptDb } from "./lib/database";

const USAGE =
  "usage: npm run users:create -- --email EMAIL [--name NAME] [--project NAME] [--role owner|member|viewer] [--password-stdin | --password PASSWORD]";

function fail(message: string): never {
  console.error(message);
  console.error(USAGE);
  process.exit(2);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

const args = parseArgs(process.argv.slice(2));
const email = emailSchema.safeParse(args.get("email") ?? "");
if (!email.success) fail(`--email: ${email.error.issues[0]?.message ?? "missing"}`);
const role = args.has("role") ? roleSchema.safeParse(args.get("role")) : null;
if (role && !role.success) fail(`--role: ${role.error.issues[0]?.message ?? "invalid"}`);
const project = args.get("project") ?? DEFAULT_PROJECT;
if (project === "true") fail("--project needs a name");
// --password is convenient but visible in `ps` and shell history; --password-stdin is not.
let password = args.get("password-stdin") === "true" ? await readStdin() : args.get("password");
if (password !== undefined) {
  const checked = passwordSchema.safeParse(password);
  if (!checked.success) fail(`password: ${checked.error.issues[0]?.message ?? "invalid"}`);
}

const db = await openScriptDb();
try {
  // The first account owns its project; later ones get the least privilege unless told otherwise.
  const defaultRole = (await hasUsers(db.client.db)) ? "viewer" : "owner";
  let generated = false;
  const existing = await findUserByEmail(db.client.db, email.data);
  if (!existing && password === undefined) {
    password = randomBytes(15).toString("base64url");
    generated = true;
  }
  const result = await ensureUser(db.client.db, {
    email: email.data,
    name: args.get("name"),
    password,
    projectName: project,
    role: role?.data,
    defaultRole,
  });
  console.log(`${result.created ? "created" : "updated"} ${email.data}: ${result.role} of project "${project}"`);
  if (generated) console.log(`password (shown once): ${password}`);
} finally {
  await db.close();
}
