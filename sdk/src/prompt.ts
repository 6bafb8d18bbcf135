// Prompt text from the providers' request shapes: the last user turn is what identifies a prompt
// for deduplication and similarity (system prompts repeat across calls; history grows).

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** Text of a message `content`: a string, or the text parts of an array of parts/blocks. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (isRec(part) && typeof part.text === "string") parts.push(part.text); // text, input_text
  }
  return parts.join("\n");
}

/** The last message with `role: "user"` in a messages array. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m: unknown = messages[i];
    if (isRec(m) && m.role === "user") return contentText(m.content);
  }
  return "";
}

/** Responses API `input`: a string, or items where the last user message counts. */
export function responsesInputText(input: unknown): string {
  if (typeof input === "string") return input;
  return lastUserText(input);
}

export function boundPrompt(text: string, maxChars: number): string | undefined {
  if (maxChars <= 0 || text.length === 0) return undefined;
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
