import { redactText } from "~/lib/redact";
import { truncateText } from "~/lib/prompt";

// What is kept of a prompt (STORE_PROMPT_TEXT). The prompt's hash is always taken from the full
// original text by the caller, so exact repeats are found and counted the same way in every mode.
//   full      the text (truncated to PROMPT_MAX_CHARS)
//   redacted  the text with emails, phone and card numbers and key-like strings masked; it is also
//             what the embedder sees, so personal data never reaches an embeddings API
//   none      nothing: no text and no embedding. An embedding is not anonymous (text can be largely
//             reconstructed from one), so a mode that promises no prompt text keeps none; similar-
//             prompt search then has nothing to compare for these prompts, exact repeats still count.

export type PromptTextMode = "full" | "redacted" | "none";
export type StoredPrompt = { text: string; truncated: boolean; embed: boolean };

// Redaction looks a little past the cut, so a secret straddling it is masked whole, never half-kept.
const REDACT_MARGIN = 512;

export function storedPrompt(text: string, mode: PromptTextMode, maxChars: number): StoredPrompt {
  if (mode === "none") return { text: "", truncated: false, embed: false };
  if (mode === "full") return { ...truncateText(text, maxChars), embed: true };
  const redacted = redactText(text.length > maxChars + REDACT_MARGIN ? text.slice(0, maxChars + REDACT_MARGIN) : text);
  const cut = truncateText(redacted, maxChars);
  return { text: cut.text, truncated: cut.truncated || text.length > maxChars, embed: true };
}
