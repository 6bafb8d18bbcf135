"use client";

import { useState, type FormEvent } from "react";
import { PASSWORD_RULE } from "~/lib/password-rule";
import { errorMessage, postJson } from "./auth-fetch";

/** First run: the owner's account, created with the one-time token from the setup link. */
export function SetupForm({ token }: { token: string }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    if (data.get("password") !== data.get("confirm")) {
      setError("The two passwords differ.");
      return;
    }
    setPending(true);
    setError(null);
    const res = await postJson("/api/setup", { token, name: data.get("name"), email: data.get("email"), password: data.get("password") });
    if (res?.ok) {
      window.location.replace("/");
      return;
    }
    setError(await errorMessage(res, "The account could not be created."));
    setPending(false);
  }

  return (
    <form className="auth-form" onSubmit={(e) => void onSubmit(e)} aria-describedby={error ? "setup-error" : undefined}>
      <label className="auth-field">
        Your name
        <input name="name" autoComplete="name" required maxLength={100} autoFocus />
      </label>
      <label className="auth-field">
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label className="auth-field">
        Password (at least {PASSWORD_RULE.min} characters)
        <input name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_RULE.min} maxLength={PASSWORD_RULE.max} />
      </label>
      <label className="auth-field">
        Repeat the password
        <input name="confirm" type="password" autoComplete="new-password" required minLength={PASSWORD_RULE.min} maxLength={PASSWORD_RULE.max} />
      </label>
      {error ? (
        <p id="setup-error" className="auth-error" role="alert">
          {error}
        </p>
      ) : null}
      <button className="auth-button" type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create the owner account"}
      </button>
    </form>
  );
}
