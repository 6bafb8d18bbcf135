const hex = (n: number) => n.toString(16).padStart(2, "0");

/**
 * A UUID v4 for event ids (the idempotency key). `crypto.randomUUID` everywhere it exists (Node ≥ 19,
 * Bun, Deno, browsers, workers); `getRandomValues` or, on Node 18 without a global crypto,
 * Math.random for the 122 random bits — uniqueness, not secrecy, is what an event id needs.
 */
type WebCrypto = { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array };
// Looked up once: `globalThis.crypto` is a lazy getter on Node and costs more than the UUID itself.
const webCrypto = (globalThis as { crypto?: WebCrypto }).crypto;
const uuid = typeof webCrypto?.randomUUID === "function" ? webCrypto.randomUUID.bind(webCrypto) : null;

export function randomId(): string {
  if (uuid) return uuid();
  const c = webCrypto;
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const h = Array.from(bytes, hex).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Milliseconds from a monotonic clock where there is one. */
export const now: () => number =
  typeof globalThis.performance?.now === "function" ? () => globalThis.performance.now() : () => Date.now();
