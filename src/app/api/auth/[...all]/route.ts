// GET|POST /api/auth/* — Better Auth: email/password and OIDC sign-in, sign-out, the session (login attempts rate-limited)
import { handleAuthRequest } from "~/server/auth/auth-route";

export const dynamic = "force-dynamic";

export const GET = handleAuthRequest;
export const POST = handleAuthRequest;
