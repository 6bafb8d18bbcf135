// POST /api/setup — first run: create the owner with the one-time setup token, then sign them in
import { setupInputSchema } from "~/features/auth";
import { getAuth } from "~/server/auth/auth";
import { assertSameOrigin } from "~/server/auth/csrf";
import { limitAttempt } from "~/server/auth/login-rate-limit";
import { completeSetup } from "~/server/auth/setup";
import { getDbClient } from "~/server/db";
import { badRequest } from "~/server/errors";
import { json, readJsonBody, route } from "~/server/http";

export const dynamic = "force-dynamic";

// A name, an email, a password and a token: anything larger is not a setup form.
const MAX_BODY_BYTES = 16 * 1024;

export const POST = route(async (req) => {
  assertSameOrigin(req.headers);
  // Token guessing counts against the same per-IP sign-in budget.
  await limitAttempt("setup", req.headers, null, "too many setup attempts");
  const parsed = setupInputSchema.safeParse(await readJsonBody(req, MAX_BODY_BYTES));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    throw badRequest(`invalid setup form: ${issues.map((i) => i.path).join(", ")}`, issues);
  }
  const { db } = getDbClient();
  await completeSetup(db, parsed.data);
  // Signed in straight away: the owner just typed the password.
  const auth = await getAuth(db);
  const signIn = await auth.api.signInEmail({
    body: { email: parsed.data.email, password: parsed.data.password },
    headers: req.headers,
    returnHeaders: true,
  });
  const res = json({ ok: true }, 201);
  for (const cookie of signIn.headers.getSetCookie()) res.headers.append("set-cookie", cookie);
  return res;
});
