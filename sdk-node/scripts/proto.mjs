// Regenerates src/gen from ../proto/aires/v1/aires.proto and the google.rpc
// subset in proto/ with protoc (Debian's protobuf-compiler) and protoc-gen-es
// (a dev dependency). `npm run proto`, or `make proto-node` at the root.
import { execFileSync } from "node:child_process";
import { rmSync, mkdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(pkg, "src", "gen");
const plugin = join(pkg, "node_modules", ".bin", "protoc-gen-es");
if (!existsSync(plugin)) {
  console.error("protoc-gen-es not found: run `npm ci` in sdk-node first");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const includes = ["/usr/include", "/usr/local/include"].filter((d) => existsSync(join(d, "google", "protobuf", "any.proto")));
try {
  execFileSync("protoc", [
    `--plugin=protoc-gen-es=${plugin}`,
    `--es_out=${out}`,
    "--es_opt=target=ts,import_extension=js",
    `--proto_path=${join(pkg, "..", "proto")}`,
    `--proto_path=${join(pkg, "proto")}`,
    ...includes.map((d) => `--proto_path=${d}`),
    "aires/v1/aires.proto",
    "google/rpc/status.proto",
  ], { stdio: "inherit" });
} catch (err) {
  console.error("protoc failed (is Debian's protobuf-compiler installed? apt-get install -y protobuf-compiler):", err.message);
  process.exit(1);
}
