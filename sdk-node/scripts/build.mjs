// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with tsc, each with
// its type declarations. No bundler: the package is small and has two
// runtime dependencies.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(pkg, "node_modules", "typescript", "bin", "tsc");
rmSync(join(pkg, "dist"), { recursive: true, force: true });
for (const project of ["tsconfig.json", "tsconfig.cjs.json"]) {
  try {
    execFileSync(process.execPath, [tsc, "-p", join(pkg, project)], { stdio: "inherit", cwd: pkg });
  } catch {
    console.error(`tsc -p ${project} failed (errors above)`);
    process.exit(1);
  }
}
// The CommonJS build has no import.meta (src/internal/here.ts).
writeFileSync(join(pkg, "dist", "cjs", "internal", "here.js"),
  '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.moduleURL = __filename;\n');
writeFileSync(join(pkg, "dist", "cjs", "package.json"), '{ "type": "commonjs" }\n');
