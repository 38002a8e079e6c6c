// Embedded PostgreSQL (PGlite) served on a loopback socket, so the same adapter-pg path serves both setups.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export class DataDirInUseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two processes writing one PGlite directory would corrupt it: the second start is refused. */
async function lockDataDir(dataDir: string): Promise<string> {
  const lock = join(dirname(dataDir), `${dataDir.split(/[\\/]/).pop()}.lock`);
  const holder = Number.parseInt(await readFile(lock, "utf8").catch(() => ""), 10);
  if (holder && holder !== process.pid && isAlive(holder)) {
    // One PGlite backend serves one session: sharing it with a running bot would interleave transactions.
    throw new DataDirInUseError(
      `内置数据库（${dataDir}）正被进程 ${holder}（通常是 npm start）使用：请先停止它再运行，` +
        `或设置 DATABASE_URL 改用 PostgreSQL。(the embedded database in ${dataDir} is in use by process ${holder}; ` +
        "stop it first, or set DATABASE_URL)",
    );
  }
  await writeFile(lock, String(process.pid));
  return lock;
}

export async function startEmbeddedDatabase(dataDir: string, port = 0): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir);
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 4 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
      await rm(lock, { force: true });
    },
  };
}
