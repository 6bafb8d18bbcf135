import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "~/env";
import { SignInForm } from "~/features/auth";
import { oidcEnabled } from "~/server/auth/auth";
import { currentUser } from "~/server/auth/page-guard";
import { hasUsers } from "~/server/auth/users";
import { getDbClient } from "~/server/db";

export const metadata: Metadata = { title: "Sign in · AI Cost Profiler" };

// Errors come back from the OIDC round trip as ?error=…; only known codes are shown, so a crafted
// link cannot put its own text on the sign-in page.
const ERRORS: Record<string, string> = {
  sso: "Single sign-on did not complete. Try again, or sign in with your password.",
  unable_to_link_account: "This email already has an account here. Sign in with its password.",
  signup_disabled: "Your single sign-on account has no access here yet. Ask a project owner.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentUser()) redirect("/");
  if (!(await hasUsers(getDbClient().db))) redirect("/setup");
  const error = (await searchParams).error;
  const message = typeof error === "string" ? (ERRORS[error] ?? "Sign-in failed. Try again.") : null;
  return (
    <div className="auth-card">
      <h1>Sign in</h1>
      <p className="muted">AI Cost Profiler</p>
      <SignInForm sso={oidcEnabled() ? env.OIDC_NAME : null} initialError={message} />
    </div>
  );
}
