import "server-only";
import os from "node:os";
import type { Sql } from "~/server/db";

// Vectors stored through binary COPY. In pgvector's text form a 512-dimension vector is ~10 KB of
// decimals that Node formats and PostgreSQL parses back (and, inside a JSON list, parses twice):
// measured on 10,240 vectors, 4.6 s against 0.4 s through COPY, and 2.6 s of Node's CPU against
// 0.2 s. In binary a value is its four bytes (pgvector's vector_recv reads them as they are sent).

export type VectorRow = { projectId: string; id: string; vector: Float32Array };

const LITTLE_ENDIAN = os.endianness() === "LE";
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** COPY's binary file (header, one tuple per row, trailer) of (project_id, prompt_id, model, embedding). */
export function vectorCopyPayload(model: string, rows: readonly VectorRow[]): Buffer {
  const m = Buffer.from(model, "utf8");
  const size = rows.reduce((n, r) => n + 2 + (4 + 16) + (4 + 8) + (4 + m.length) + (4 + 4 + 4 * r.vector.length), SIGNATURE.length + 8 + 2);
  const b = Buffer.allocUnsafe(size);
  let o = SIGNATURE.copy(b, 0);
  o = b.writeInt32BE(0, o); // flags
  o = b.writeInt32BE(0, o); // header extension
  for (const r of rows) {
    const uuid = r.projectId.replace(/-/g, "");
    if (!/^[0-9a-f]{32}$/i.test(uuid)) throw new Error(`not a uuid: ${r.projectId}`);
    o = b.writeInt16BE(4, o);
    o = b.writeInt32BE(16, o);
    o += b.write(uuid, o, "hex");
    o = b.writeInt32BE(8, o);
    o = b.writeBigInt64BE(BigInt(r.id), o);
    o = b.writeInt32BE(m.length, o);
    o += m.copy(b, o);
    // pgvector's binary form: int16 dimension, int16 unused, float4 values, all big-endian.
    o = b.writeInt32BE(4 + 4 * r.vector.length, o);
    o = b.writeInt16BE(r.vector.length, o);
    o = b.writeInt16BE(0, o);
    if (LITTLE_ENDIAN) {
      // The float32 bytes copied as they are, then swapped in place: ~10× writeFloatBE per value.
      const bytes = 4 * r.vector.length;
      Buffer.from(r.vector.buffer, r.vector.byteOffset, bytes).copy(b, o);
      b.subarray(o, o + bytes).swap32();
      o += bytes;
    } else for (const x of r.vector) o = b.writeFloatBE(x, o);
  }
  o = b.writeInt16BE(-1, o); // trailer
  if (o !== size) throw new Error(`COPY payload: wrote ${o} of ${size} bytes`);
  return b;
}

/**
 * Stores the rows with one COPY, in a transaction of its own; false when the COPY failed (a row
 * already stored, a wrong dimension, a prompt gone: the caller's INSERT says which, or skips such
 * rows). postgres.js 3.4 loses an error the server sends after the COPY's last message: the stream
 * then neither errors nor finishes. So the stream is not awaited; a statement queued behind it is,
 * and it fails (25P02) exactly when the COPY did.
 */
export async function copyVectors(sql: Sql, model: string, rows: readonly VectorRow[]): Promise<boolean> {
  const payload = vectorCopyPayload(model, rows);
  try {
    await sql.begin(async (tx) => {
      const w = await tx`COPY prompt_embeddings (project_id, prompt_id, model, embedding) FROM STDIN (FORMAT binary)`.writable();
      // An error the server sends before the COPY ends destroys the stream and comes back here.
      await new Promise<void>((resolve, reject) => w.write(payload, (err) => (err ? reject(err) : resolve())));
      w.end(); // no query may be sent until the stream has ended (COPY_IN_PROGRESS)
      await new Promise((resolve) => setImmediate(resolve));
      await tx`SELECT 1`;
    });
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // Lost connections and the like are the caller's; data errors are told by its INSERT.
    if (typeof code === "string" && /^(25P02|23|22)/.test(code)) return false;
    throw err;
  }
}

const copyIn = new WeakMap<Sql, Promise<boolean>>();

/**
 * Whether the server takes COPY FROM STDIN. The embedded database (PGlite over its socket) does
 * not: the statement drops the connection. Asked once per client.
 */
export function copyInSupported(sql: Sql): Promise<boolean> {
  let known = copyIn.get(sql);
  if (!known) {
    known = sql<{ pglite: boolean }[]>`SELECT version() LIKE '%PGlite%' AS pglite`.then(([r]) => r?.pglite === false);
    known.catch(() => copyIn.delete(sql));
    copyIn.set(sql, known);
  }
  return known;
}
