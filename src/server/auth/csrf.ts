import "server-only";
import { env } from "~/env";
import { AppError } from "~/server/errors";

// CSRF defence for cookie-authenticated writes, on top of SameSite=Lax cookies: the browser says
// where a request comes from (Origin, or Sec-Fetch-Site), and a page elsewhere cannot forge either.
// Requests authenticated by an API key need no check: browsers never attach Authorization by themselves.

/** The origin the app is served from: APP_URL when set, else whatever Host the browser used. */
function expectedHost(headers: Headers, appUrl: string | undefined): string | null {
  return appUrl ? new URL(appUrl).host : headers.get("host");
}

/**
 * The scheme the request arrived with: APP_URL's when set, else the proxy's X-Forwarded-Proto
 * (Next sets it for direct connections too; a cross-site page cannot add it without a preflight),
 * else plain http — what `next start` serves. Without it an http: page on the same host (which a
 * network attacker can write) passed for the https: app.
 */
function expectedProtocol(headers: Headers, appUrl: string | undefined): string {
  if (appUrl) return new URL(appUrl).protocol;
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https" ? "https:" : "http:";
}

export function isSameOrigin(headers: Headers, appUrl: string | undefined = env.APP_URL): boolean {
  const host = expectedHost(headers, appUrl);
  if (!host) return false;
  const origin = headers.get("origin");
  if (origin !== null) {
    if (origin === "null") return false; // sandboxed frames, data: URLs, some redirects
    try {
      const url = new URL(origin);
      if (url.protocol !== expectedProtocol(headers, appUrl)) return false;
      return url.host.toLowerCase() === host.toLowerCase();
    } catch {
      return false;
    }
  }
  // Every current browser sends Origin on POST; Fetch Metadata is the fallback. A request with
  // neither did not come from a browser page, and a write without proof of origin is refused.
  return headers.get("sec-fetch-site") === "same-origin";
}

export function assertSameOrigin(headers: Headers): void {
  if (!isSameOrigin(headers)) {
    throw new AppError(403, "cross_site_request", "cross-site request refused: this write must come from the app's own pages");
  }
}
