// Runs before `npm start` / `npm test` with plain Node (no dependencies needed): installs
// dependencies on a fresh clone and, for start, builds the app when the build is missing or stale.
import { execSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const run = (cmd) => execSync(cmd, { cwd: root, stdio: "inherit" });

const installed = path.join(root, "node_modules", ".package-lock.json");
const lock = path.join(root, "package-lock.json");
if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
  console.log("[ready] installing dependencies (npm ci)…");
  run("npm ci --no-audit --no-fund");
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

if (process.argv.includes("--build")) {
  const buildId = path.join(root, ".next", "BUILD_ID");
  const sources = ["src", "public", "next.config.mjs", "package-lock.json"]
    .map((p) => path.join(root, p))
    .filter((p) => fs.existsSync(p))
    .map((p) => (fs.statSync(p).isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs));
  if (!fs.existsSync(buildId) || fs.statSync(buildId).mtimeMs < Math.max(...sources)) {
    console.log("[ready] building the app (next build)…");
    run("npx next build");
  }
}
