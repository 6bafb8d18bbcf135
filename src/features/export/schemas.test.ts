import { describe, expect, it } from "vitest";
import { exportFilename, parseExportRequest } from "./schemas";

const parse = (kind: string, query: string) => parseExportRequest(kind, new URLSearchParams(query));
const paths = (kind: string, query: string) => {
  const r = parse(kind, query);
  return r.ok ? [] : r.issues.map((i) => i.path);
};

describe("parseExportRequest", () => {
  it("defaults to CSV and parses the list filters", () => {
    const r = parse("events", "from=2025-01-01T00:00:00Z&to=2025-02-01&feature=chat&status=error");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.request.format).toBe("csv");
    expect(r.request.filters.from?.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(r.request.filters).toMatchObject({ feature: "chat", status: "error" });
  });

  it("names the parameter of every problem", () => {
    expect(paths("teams", "")).toEqual(["kind"]);
    expect(paths("breakdown", "")).toEqual(["by"]);
    expect(paths("breakdown", "by=colour")).toEqual(["by"]);
    expect(paths("users", "by=tag")).toEqual(["by"]);
    expect(paths("breakdown", "by=metadata:plan&tag=beta&metadata=customer%3Dacme")).toEqual([]);
    expect(paths("events", "metadata=novalue")).toEqual(["metadata"]);
    expect(paths("events", "format=xlsx")).toEqual(["format"]);
    expect(paths("events", "from=yesterday")).toEqual(["from"]);
    expect(paths("events", "from=2025-02-01&to=2025-01-01")).toEqual(["to"]);
    expect(paths("events", "status=failed")).toEqual(["status"]);
    expect(paths("events", "formt=json")).toEqual(["formt"]);
    expect(paths("events", "format=csv&format=json")).toEqual(["format"]);
    expect(paths("events", "feature=a%00b")).toEqual(["feature"]);
    expect(paths("events", "search=x")).toEqual(["search"]);
    expect(paths("prompts", "search=refund")).toEqual([]);
  });
});

describe("exportFilename", () => {
  it("keeps the project name header-safe", () => {
    const d = new Date("2025-03-04T23:59:00Z");
    expect(exportFilename("acme-prod", "events", "csv", d)).toBe("acme-prod-events-2025-03-04.csv");
    expect(exportFilename('evil"; x=1\r\n', "models", "ndjson", d)).toBe("evil_x_1_-models-2025-03-04.ndjson");
    expect(exportFilename("...", "prompts", "json", d)).toBe("project-prompts-2025-03-04.json");
    expect(exportFilename("acme", "breakdown", "csv", d, "metadata:plan")).toBe("acme-breakdown-by-metadata_plan-2025-03-04.csv");
  });
});
