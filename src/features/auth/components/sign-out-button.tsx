"use client";

import { useState } from "react";

/** Ends the session on the server (the session row is deleted), then leaves the dashboard. */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  async function signOut() {
    setPending(true);
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}", credentials: "same-origin" }).catch(
      () => null,
    );
    // A full load: the signed-out tab keeps none of the project data the dashboard had cached.
    window.location.replace("/sign-in");
  }
  return (
    <button type="button" className="btn btn-ghost btn-small" onClick={() => void signOut()} disabled={pending}>
      Sign out
    </button>
  );
}
