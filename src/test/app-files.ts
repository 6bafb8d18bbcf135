// The app's routes as the file system declares them (src/app/**/route.ts and page.tsx), for tests
// that must cover every one of them: a new route or page is picked up without editing the test.
import fs from "node:fs";
import path from "node:path";

const APP_DIR = path.resolve("src/app");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export type AppFile = { file: string; segments: string[] };
export type RouteFile = AppFile & { methods: string[] };

function walk(dir: string, name: string): AppFile[] {
  const out: AppFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, name));
    else if (entry.name === name) {
      // Route groups — (dashboard) — are not part of the URL.
      const segments = path.relative(APP_DIR, dir).split(path.sep).filter((s) => s !== "" && !/^\(.*\)$/.test(s));
      out.push({ file: path.relative(process.cwd(), full), segments });
    }
  }
  return out;
}

/** Every route handler with the HTTP methods its file exports. */
export function routeFiles(): RouteFile[] {
  return walk(APP_DIR, "route.ts").map((r) => {
    const source = fs.readFileSync(r.file, "utf8");
    const methods = METHODS.filter((m) => new RegExp(`export\\s+(const|async function|function)\\s+${m}\\b|\\bas\\s+${m}\\b`).test(source));
    return { ...r, methods };
  });
}

/** Every page, as segment lists. */
export function pageFiles(): AppFile[] {
  return walk(APP_DIR, "page.tsx");
}

/** `/a/{b}` for `/a/[b]`: the template form OpenAPI uses. */
export const templateUrl = (segments: readonly string[]) => `/${segments.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/")}`;
