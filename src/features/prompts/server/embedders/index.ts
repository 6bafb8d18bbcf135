import "server-only";
import { env } from "~/env";
import { createLocalEmbedder } from "./local";
import { createOpenAIEmbedder } from "./openai";
import type { Embedder } from "./types";

export type { Embedder } from "./types";

declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpEmbedder: Embedder | undefined;
}
const globalForEmbedder = globalThis;

/** The configured embedder: OpenAI (or compatible) when OPENAI_API_KEY is set, else the local one. */
export function getEmbedder(): Embedder {
  globalForEmbedder.acpEmbedder ??= env.OPENAI_API_KEY
    ? createOpenAIEmbedder({
        apiKey: env.OPENAI_API_KEY,
        baseURL: env.OPENAI_BASE_URL,
        model: env.EMBEDDING_MODEL,
        dimensions: env.EMBEDDING_DIMENSIONS,
      })
    : createLocalEmbedder(env.EMBEDDING_DIMENSIONS);
  return globalForEmbedder.acpEmbedder;
}
