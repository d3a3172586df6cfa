import { grpcTransport } from "../dist/esm/internal/transport.js";
import { resolveConfig } from "../dist/esm/config.js";
const [ep, comp, conc] = process.argv.slice(2);
const t = grpcTransport(resolveConfig({ endpoint: ep, disableCompression: comp === "off" }, () => "h"));
const buf = Buffer.alloc(28000, 7);
for (let round = 0; round < 2; round++) {
  const t0 = process.hrtime.bigint(); const N = 400; const c0 = process.cpuUsage();
  let i = 0;
  await Promise.all(Array.from({ length: Number(conc) }, async () => { while (i++ < N) { const o = await t.send(buf, 10000).done; if (o.error) throw o.error; } }));
  const cpu = process.cpuUsage(c0);
  console.log(comp, conc, "ms per rpc", (Number(process.hrtime.bigint() - t0) / 1e6 / N).toFixed(2), "cpu ms per rpc", ((cpu.user + cpu.system) / 1000 / N).toFixed(2));
}
t.close();
