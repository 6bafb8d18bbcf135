// Gemini usage shapes, read structurally (no wrapper yet: batch results are tracked by hand).
import { count, isRec, rec, type Usage } from "./usage.js";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * One Gemini batch response (`{response: {usageMetadata, modelVersion}}` or the bare response) →
 * usage in the batch tier. Gemini's promptTokenCount includes cached content; thoughts sit
 * outside candidatesTokenCount, so they are added to the output.
 */
export function geminiBatchResultUsage(line: unknown): Usage | null {
  const r = isRec(rec(line).response) ? rec(rec(line).response) : rec(line);
  const u = rec(r.usageMetadata);
  if (!isRec(r.usageMetadata)) return null;
  const thoughts = count(u.thoughtsTokenCount);
  return {
    model: str(r.modelVersion),
    inputTokens: count(u.promptTokenCount),
    outputTokens: count(u.candidatesTokenCount) + thoughts,
    cachedInputTokens: count(u.cachedContentTokenCount),
    reasoningTokens: thoughts,
    serviceTier: "batch",
  };
}
