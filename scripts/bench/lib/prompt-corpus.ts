// Distinct, realistic-looking prompts for the similarity benchmark: ~80 template skeletons with
// several slots filled from large vocabularies plus a Zipf-distributed free-text tail, so the
// corpus has what a real project has — families of near-duplicates (same template, a few words
// changed) spread over many unrelated families — and every text is distinct.
import { rng } from "../../lib/generate";

const VERBS = ["Summarize", "Classify", "Translate", "Rewrite", "Explain", "Review", "Extract", "Draft", "Rank", "Answer", "Critique", "Outline", "Simplify", "Score", "Compare", "List"];
const OBJECTS = ["support ticket", "sales email", "pull request", "contract clause", "product review", "meeting transcript", "bug report", "invoice", "job posting", "release note", "SQL query", "customer chat", "survey answer", "privacy policy", "error log", "tweet"];
const STYLES = ["in three bullet points", "as JSON", "in one sentence", "for a five-year-old", "formally", "with a friendly tone", "in under 50 words", "as a numbered list", "in Markdown", "for an executive summary"];
const ROLES = ["You are a helpful assistant", "You are a senior support agent", "You are a strict code reviewer", "You are a legal analyst", "You are a marketing copywriter", "Act as a data engineer", "You are a translator", "You are a triage bot"];

const SYLLABLES = ["ka", "lo", "mi", "ren", "ta", "vo", "shi", "pel", "dor", "an", "qu", "is", "ber", "zu", "fan", "ti", "mor", "el", "ga", "nu"];

/** A vocabulary of pronounceable pseudo-words, deterministic for a seed. */
function vocabulary(size: number, rand: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(rand() * 3);
    let w = "";
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)] ?? "a";
    words.add(w);
  }
  return [...words];
}

const pick = <T>(xs: readonly T[], r: number): T => xs[Math.min(xs.length - 1, Math.floor(r * xs.length))] as T;

/** Zipf-like pick: small indexes (common words) far more often than large ones. */
const zipf = <T>(xs: readonly T[], r: number): T => pick(xs, r ** 3);

type Skeleton = { role: string; verb: string; object: string; style: string };

/** `n` distinct prompts, deterministic for `seed`. */
export function distinctPrompts(n: number, seed = 1): string[] {
  const rand = rng(seed);
  const vocab = vocabulary(6000, rand);
  const names = vocabulary(400, rand).map((w) => w[0]?.toUpperCase() + w.slice(1));
  const skeletons: Skeleton[] = Array.from({ length: 80 }, () => ({
    role: pick(ROLES, rand()),
    verb: pick(VERBS, rand()),
    object: pick(OBJECTS, rand()),
    style: pick(STYLES, rand()),
  }));
  const out = new Set<string>();
  for (let guard = 0; out.size < n && guard < n * 3; guard++) {
    const s = zipf(skeletons, rand());
    const company = zipf(names, rand());
    const topic = Array.from({ length: 2 + Math.floor(rand() * 3) }, () => zipf(vocab, rand())).join(" ");
    const tailLen = Math.floor(rand() * 14);
    const tail = Array.from({ length: tailLen }, () => zipf(vocab, rand())).join(" ");
    const id = rand() < 0.3 ? ` Reference ${Math.floor(rand() * 100_000)}.` : "";
    out.add(`${s.role} for ${company}. ${s.verb} the following ${s.object} about ${topic} ${s.style}.${id}${tail ? ` Context: ${tail}.` : ""}`);
  }
  return [...out];
}
