// Calls to the auth endpoints from the sign-in and setup forms, with one way to read their errors.

export async function postJson(url: string, body: unknown): Promise<Response | null> {
  try {
    return await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return null;
  }
}

/** What to tell the person: the server's message, said plainly for the usual cases. */
export async function errorMessage(res: Response | null, fallback: string): Promise<string> {
  if (res === null) return "The server could not be reached. Check your connection and try again.";
  const body = (await res.json().catch(() => null)) as { message?: unknown; retryAfter?: unknown } | null;
  if (res.status === 429) {
    const wait = typeof body?.retryAfter === "number" ? ` in ${Math.ceil(body.retryAfter / 60)} min` : " later";
    return `Too many attempts. Try again${wait}.`;
  }
  if (res.status === 401) return "Wrong email or password.";
  if (res.status >= 500) return "Something went wrong on the server. Try again in a moment.";
  return typeof body?.message === "string" && body.message.length > 0 ? body.message : fallback;
}
