// Generates the Prisma client into generated/prisma. `prisma generate` never runs the schema engine, but the CLI
// insists the binary exists; on closed networks it cannot be downloaded, so point it at any existing file.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], {
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
process.exit(result.status ?? 1);
