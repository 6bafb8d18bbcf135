import Link from "next/link";
import { connection } from "next/server";

// Rendered per request like every other page: the CSP nonce (src/proxy.ts) is only applied to
// dynamically rendered HTML, and a prerendered 404 would have its scripts blocked.
export default async function NotFound() {
  await connection();
  return (
    <main>
      <h1>Page not found</h1>
      <p className="muted">
        <Link href="/">Back to the dashboard</Link>
      </p>
    </main>
  );
}
