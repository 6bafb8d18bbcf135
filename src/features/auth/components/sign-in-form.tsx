"use client";

import { useState, type FormEvent } from "react";
import { errorMessage, postJson } from "./auth-fetch";

type Props = { sso: string | null; initialError: string | null };

/** Email and password, plus the organisation's SSO when OIDC is configured. */
export function SignInForm({ sso, initialError }: Props) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(initialError);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const res = await postJson("/api/auth/sign-in/email", { email: data.get("email"), password: data.get("password") });
    if (res?.ok) {
      // A full load, not a client navigation: nothing cached from before the sign-in stays in memory.
      window.location.replace("/");
      return;
    }
    setError(await errorMessage(res, "Sign-in failed."));
    setPending(false);
  }

  async function onSso() {
    setPending(true);
    setError(null);
    const res = await postJson("/api/auth/sign-in/social", { provider: "oidc", callbackURL: "/", errorCallbackURL: "/sign-in?error=sso" });
    const body = res?.ok ? ((await res.json().catch(() => null)) as { url?: unknown } | null) : null;
    if (typeof body?.url === "string") {
      window.location.assign(body.url);
      return;
    }
    setError(await errorMessage(res, "Single sign-on could not start."));
    setPending(false);
  }

  return (
    <form className="auth-form" onSubmit={(e) => void onSubmit(e)} aria-describedby={error ? "sign-in-error" : undefined}>
      <label className="auth-field">
        Email
        <input name="email" type="email" autoComplete="username" required autoFocus />
      </label>
      <label className="auth-field">
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error ? (
        <p id="sign-in-error" className="auth-error" role="alert">
          {error}
        </p>
      ) : null}
      <button className="auth-button" type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
      {sso ? (
        <>
          <div className="auth-divider">or</div>
          <button className="auth-button secondary" type="button" disabled={pending} onClick={() => void onSso()}>
            Sign in with {sso}
          </button>
        </>
      ) : null}
    </form>
  );
}
