// Opens the record: PostgreSQL at DATABASE_URL, or the embedded one under DATA_DIR, then applies migrations.
import { join } from "node:path";
import { createDb, type Db } from "../db/client.ts";
import { startEmbeddedDatabase } from "../db/embedded.ts";
import { applyMigrations } from "../db/migrate.ts";

export interface OpenDatabase {
  db: Db;
  url: string;
  /** Human description for the start banner, without credentials. */
  description: string;
  migrationsApplied: string[];
  close(): Promise<void>;
}

export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    const migrationsApplied = await applyMigrations(url);
    const db = createDb(url);
    const where = new URL(url);
    return {
      db,
      url,
      description: `PostgreSQL at ${where.host}${where.pathname}`,
      migrationsApplied,
      close: () => db.$disconnect(),
    };
  }
  const dir = join(options.dataDir, "pglite");
  const embedded = await startEmbeddedDatabase(dir);
  const migrationsApplied = await applyMigrations(embedded.url);
  // PGlite runs one statement at a time for all connections; one pooled connection keeps transactions whole.
  const db = createDb(embedded.url, { poolSize: 1 });
  return {
    db,
    url: embedded.url,
    description: `embedded PostgreSQL (PGlite) in ${dir}`,
    migrationsApplied,
    async close() {
      await db.$disconnect();
      await embedded.stop();
    },
  };
}
