// The type declarations, as a TypeScript consumer of each build sees them.
import { test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

test("a TypeScript consumer type-checks against the ESM and CommonJS declarations", async () => {
  const pkg = fileURLToPath(new URL("..", import.meta.url));
  await promisify(execFile)(process.execPath, [
    `${pkg}node_modules/typescript/bin/tsc`, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
    "--target", "es2022", "--types", "node", "--skipLibCheck",
    `${pkg}test/types/consumer.mts`, `${pkg}test/types/consumer.cts`,
  ], { cwd: pkg });
});
