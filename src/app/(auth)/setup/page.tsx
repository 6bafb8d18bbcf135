import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SetupForm } from "~/features/auth";
import { currentUser } from "~/server/auth/page-guard";
import { setupTokenValid } from "~/server/auth/setup";
import { hasUsers } from "~/server/auth/users";
import { getDbClient } from "~/server/db";

export const metadata: Metadata = { title: "Set up · AI Cost Profiler" };

// First run only: once an account exists this page sends everyone to sign-in.
export default async function SetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentUser()) redirect("/");
  const { db } = getDbClient();
  if (await hasUsers(db)) redirect("/sign-in");
  const token = (await searchParams).token;
  const valid = typeof token === "string" && token.length <= 128 && (await setupTokenValid(db, token));
  return (
    <div className="auth-card">
      <h1>Welcome</h1>
      {valid ? (
        <>
          <p className="muted">Create the owner account of this AI Cost Profiler.</p>
          <SetupForm token={token} />
        </>
      ) : (
        <p className="muted">
          Open the one-time setup link printed when the server started (<code>npm start</code> prints it; a server logs it
          as <code>setupUrl</code>), or create the owner with <code>npm run users:create -- --email you@example.com</code>.
        </p>
      )}
    </div>
  );
}
