// The configuration table in docs/configuration.md is the one place a setting is documented: it must
// list exactly the variables src/env.ts reads. And the README stays a front door with two commands.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_KEYS } from "./env";

const read = (file: string) => fs.readFileSync(path.resolve(file), "utf8");

/** First-column names of the markdown table whose header starts with `| variable |`. */
function tableVariables(markdown: string): string[] {
  const lines = markdown.split("\n");
  const header = lines.findIndex((l) => /^\|\s*variable\s*\|/.test(l));
  if (header < 0) throw new Error("docs/configuration.md has no table starting with | variable |");
  const names: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cell = line.split("|")[1]?.trim() ?? "";
    const match = /^`([A-Z][A-Z0-9_]*)`$/.exec(cell);
    if (!match?.[1]) throw new Error(`docs/configuration.md: the first cell must be one \`VARIABLE\`, got: ${cell}`);
    names.push(match[1]);
  }
  return names;
}

/** The body of the first fenced code block after a heading. */
function codeBlockAfter(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(markdown.slice(start));
  if (!block?.[1]) throw new Error(`README.md: no code block under "${heading}"`);
  return block[1].split("\n").filter((l) => l.trim() !== "");
}

describe("docs/configuration.md", () => {
  const documented = tableVariables(read("docs/configuration.md"));

  it("lists every variable src/env.ts reads", () => {
    expect(ENV_KEYS.filter((k) => !documented.includes(k))).toEqual([]);
  });
  it("lists no variable src/env.ts does not read", () => {
    expect(documented.filter((k) => !(ENV_KEYS as string[]).includes(k))).toEqual([]);
  });
  it("lists each variable once", () => {
    expect(documented.filter((k, i) => documented.indexOf(k) !== i)).toEqual([]);
  });
});

describe("README.md", () => {
  const readme = read("README.md");

  it("has exactly the two commands in Quick start: run and test", () => {
    const commands = codeBlockAfter(readme, "## Quick start").map((l) => l.split("#")[0]?.trim());
    expect(commands).toEqual(["npm start", "npm test"]);
  });
  it("stays a front door (the manual lives in docs/)", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(150);
  });
});

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

describe("links in README.md and docs/", () => {
  const files = ["README.md", ...fs.readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

  it("point at files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = read(file);
      for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // external
        const [rel = "", anchor] = target.split("#");
        const dest = rel === "" ? file : path.join(path.dirname(file), rel);
        if (!fs.existsSync(path.resolve(dest))) broken.push(`${file}: ${target}`);
        else if (anchor && dest.endsWith(".md")) {
          const headings = [...read(dest).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] ?? ""));
          if (!headings.includes(anchor)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
