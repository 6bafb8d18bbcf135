// Shared by scripts/e2e-server.ts (which writes the fixture) and the specs (which read it).
import fs from "node:fs";
import path from "node:path";

export const E2E_FIXTURE_PATH = path.resolve("test-results", "e2e-fixture.json");

// The browser session the specs run in (e2e/auth.setup.ts signs in as `owner` and saves it here).
export const E2E_AUTH_STATE = path.resolve("test-results", "e2e-auth-state.json");

export type E2EFixture = {
  baseUrl: string;
  apiKey: string;
  otherApiKey: string;
  seededEvents: number;
  plantedPrompts: string[];
  /** Owner of project "default" (the dashboard needs a signed-in user). */
  owner: { email: string; password: string };
};

/** Near-duplicates of one prompt: the similar-prompts panel must list the others for the first. */
export const PLANTED_PROMPTS = [
  "Summarize the quarterly revenue report for Northwind Traders in exactly three bullet points for the CFO.",
  "Summarise the quarterly revenue report for Northwind Traders in exactly three bullet points for the CFO.",
  "Summarize the quarterly revenue report for Northwind Traders in exactly three short bullet points for the CFO.",
];

export function readFixture(): E2EFixture {
  return JSON.parse(fs.readFileSync(E2E_FIXTURE_PATH, "utf8")) as E2EFixture;
}
