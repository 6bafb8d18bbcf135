// The embedded default: PGlite (WASM PostgreSQL with pgvector) served over the Postgres wire
// protocol, so the app connects with postgres.js exactly as it would to a real server.
//
// PGlite has no passwords: whoever reaches its socket is superuser over every project, user,
// session and secret. So it listens on no TCP port, only on a Unix socket inside the data folder,
// in a directory only the owner may enter (0700). One process owns a data folder at a time: a lock
// file names it, and a second process opening the folder directly is refused with that name
// (the CLIs connect to the running server's socket instead; scripts/lib/database.ts).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { serializedBackend } from "./pglite-sequencing";

export type EmbeddedDb = { url: string; stop: () => Promise<void> };

/** Who holds a data folder: written by the process that serves it, read by everyone else. */
export type EmbeddedOwner = { pid: number; startedAt: string; command: string; socketDir: string };

// A socket path must fit sockaddr_un (108 bytes on Linux, 104 on macOS).
const MAX_SOCKET_PATH = 100;
const SOCKET_PORT = 5432; // only names the socket file (.s.PGSQL.5432), as libpq expects

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: EmbeddedOwner,
  ) {
    super(
      `the embedded database in ${dataDir} is already open by the running server (pid ${owner.pid}, ` +
        `"${owner.command}", since ${owner.startedAt}). Stop it first, or run this command while it ` +
        `runs: the npm scripts connect to its socket in ${owner.socketDir}.`,
    );
  }
}

export function embeddedPaths(dataDir: string) {
  const root = path.resolve(dataDir);
  const runDir = path.join(root, "run");
  return { root, pgliteDir: path.join(root, "pglite"), runDir, socket: path.join(runDir, `.s.PGSQL.${SOCKET_PORT}`), lock: path.join(runDir, "owner.json") };
}

/** The connection URL of the socket (libpq's form; src/server/db/connection-url.ts reads it). */
export function socketUrl(runDir: string): string {
  return `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(runDir)}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(lock: string): EmbeddedOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(lock, "utf8")) as Partial<EmbeddedOwner>;
    return typeof o.pid === "number" ? { pid: o.pid, startedAt: String(o.startedAt), command: String(o.command), socketDir: String(o.socketDir) } : null;
  } catch {
    return null;
  }
}

/** The live process serving this data folder, if any (a lock left by a killed process is not). */
export function runningOwner(dataDir: string): EmbeddedOwner | null {
  const { lock } = embeddedPaths(dataDir);
  const owner = readOwner(lock);
  return owner && owner.pid !== process.pid && alive(owner.pid) ? owner : null;
}

/** Takes the folder's lock (atomically: O_EXCL), clearing one left by a dead process. */
function takeLock(dataDir: string): () => void {
  const { lock, runDir, socket } = embeddedPaths(dataDir);
  const owner: EmbeddedOwner = { pid: process.pid, startedAt: new Date().toISOString(), command: process.argv.slice(1).map((a) => path.basename(a)).join(" "), socketDir: runDir };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lock, JSON.stringify(owner), { flag: "wx", mode: 0o600 });
      return () => {
        if (readOwner(lock)?.pid === process.pid) fs.rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const current = readOwner(lock);
    if (current && alive(current.pid)) throw new DataDirInUseError(path.resolve(dataDir), current);
    // Left by a process that died (SIGKILL, power loss): its socket file is stale too.
    fs.rmSync(lock, { force: true });
    fs.rmSync(socket, { force: true });
  }
  throw new Error(`could not take the lock ${lock}`);
}

function ownerOnlyDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700); // mkdir's mode is masked by umask, and the folder may predate this
}

export async function startEmbeddedDb(dataDir: string, poolSize: number): Promise<EmbeddedDb> {
  const paths = embeddedPaths(dataDir);
  if (paths.socket.length > MAX_SOCKET_PATH) {
    throw new Error(`DATA_DIR is too deep for the database socket (${paths.socket}: ${paths.socket.length} > ${MAX_SOCKET_PATH} characters); use a shorter DATA_DIR`);
  }
  ownerOnlyDir(paths.root);
  ownerOnlyDir(paths.runDir);
  const release = takeLock(dataDir);
  let db: PGlite | null = null;
  try {
    fs.mkdirSync(paths.pgliteDir, { recursive: true, mode: 0o700 });
    db = await PGlite.create({ dataDir: paths.pgliteDir, extensions: { vector } });
    fs.rmSync(paths.socket, { force: true });
    // One backend serves every connection; leave room for the app, the launcher, CLIs and a migration client.
    const server = new PGLiteSocketServer({ db: serializedBackend(db), path: paths.socket, maxConnections: Math.max(poolSize, 1) + 8 });
    await server.start();
    fs.chmodSync(paths.socket, 0o600);
    const opened = db;
    return {
      url: socketUrl(paths.runDir),
      stop: async () => {
        await server.stop();
        await opened.close();
        fs.rmSync(paths.socket, { force: true });
        release();
      },
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    release();
    throw err;
  }
}

/** Whether something answers on the running server's socket (a lock with a dead socket is no server). */
export async function socketAnswers(runDir: string): Promise<boolean> {
  const socket = path.join(runDir, `.s.PGSQL.${SOCKET_PORT}`);
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}
