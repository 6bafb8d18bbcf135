import "server-only";
import { createHash } from "node:crypto";
import type { Redis as UpstashRedis } from "@upstash/redis";
import type { Redis as IORedis } from "ioredis";

// @upstash/ratelimit expects the Upstash REST client, but its limiters only call
// `evalsha(sha, keys, args)` and, on NOSCRIPT, `eval(script, keys, args)`. This adapter runs both
// over our ioredis connection. The library's scripts start with `#!lua flags=allow-key-locking`,
// which Redis 7.0 refuses ("Unexpected flag in script shebang"); without a shebang Redis runs them
// as plain EVAL scripts, which is what they were before the flag existed. So the first line is
// stripped and the library's SHA (of the original text) is mapped to the SHA of what Redis holds.

const SHEBANG = /^#![^\n]*\n/;

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

type Arg = string | number;

function toArgs(values: unknown[]): Arg[] {
  return values.map((v) => (typeof v === "number" || typeof v === "string" ? v : JSON.stringify(v)));
}

/** Error text the library recognises as "load the script with eval, then retry". */
class NoScriptError extends Error {
  constructor() {
    super("NOSCRIPT script not loaded through this adapter yet");
  }
}

export function upstashOverIoredis(redis: IORedis): UpstashRedis {
  // original SHA → SHA of the stripped script. Kept across Redis restarts: after one, Redis answers
  // NOSCRIPT to the stripped SHA, the library calls eval, and eval loads the script again.
  const loaded = new Map<string, string>();
  const adapter = {
    evalsha: async (sha: string, keys: string[], args: unknown[]): Promise<unknown> => {
      const stripped = loaded.get(sha);
      if (stripped === undefined) throw new NoScriptError();
      return redis.evalsha(stripped, keys.length, ...keys, ...toArgs(args));
    },
    eval: async (script: string, keys: string[], args: unknown[]): Promise<unknown> => {
      const runnable = script.replace(SHEBANG, "");
      const result = await redis.eval(runnable, keys.length, ...keys, ...toArgs(args));
      loaded.set(sha1(script), sha1(runnable));
      return result;
    },
  };
  // The limiters use nothing else of the Upstash client (checked against @upstash/ratelimit 2.2);
  // analytics, deny lists and dynamic limits would need more commands, so they stay disabled.
  return adapter as unknown as UpstashRedis;
}
