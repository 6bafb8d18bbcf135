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

type Queued = { sha: string; keys: string[]; args: Arg[]; resolve: (v: unknown) => void; reject: (e: unknown) => void };

export function upstashOverIoredis(redis: IORedis): UpstashRedis {
  // original SHA → SHA of the stripped script. Kept across Redis restarts: after one, Redis answers
  // NOSCRIPT to the stripped SHA, the library calls eval, and eval loads the script again.
  const loaded = new Map<string, string>();

  // A request checks its IP and key counters at once: both EVALSHAs are issued in the same tick.
  // Sending them as one pipeline makes one socket write and usually one read instead of two each,
  // which is most of what the limiter costs a busy server (loopback syscalls, waking Redis).
  let queue: Queued[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    const pipe = redis.pipeline();
    for (const q of batch) pipe.evalsha(q.sha, q.keys.length, ...q.keys, ...q.args);
    pipe.exec().then(
      (replies) =>
        batch.forEach((q, i) => {
          const [err, value] = replies?.[i] ?? [new Error("no reply from Redis"), null];
          if (err) q.reject(err);
          else q.resolve(value);
        }),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  };

  const adapter = {
    evalsha: (sha: string, keys: string[], args: unknown[]): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const stripped = loaded.get(sha);
        if (stripped === undefined) return reject(new NoScriptError());
        queue.push({ sha: stripped, keys, args: toArgs(args), resolve, reject });
        if (queue.length === 1) process.nextTick(flush);
      }),
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
