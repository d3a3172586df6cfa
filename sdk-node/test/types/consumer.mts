// Type-checked by test/types.test.mjs: the declarations of the ESM build.
import * as aires from "@aires-dev/sdk";
import { airesDestination } from "@aires-dev/sdk/pino";

aires.init({ service: "checkout", environment: "prod", endpoint: "localhost:4320" });
aires.info("order placed", { "order.id": "A-17", items: 3 });
aires.error("failed", { nested: { a: [1, 2n, "x"] } }, { error: new Error("x"), http: { statusCode: 500 }, tags: ["t"] });
aires.info("ratio", { whole: aires.double(3), list: [aires.double(1), 0.5], typed: new aires.Double(2) });
const d: aires.AttributeValue = aires.double(4);
void d;
const c: aires.Client = new aires.Client({ tls: { caFile: "/ca.pem" }, apiKey: "k" });
const s: aires.Stats = c.stats();
const mw: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void = aires.middleware();
void airesDestination({ client: c });
void s;
void mw;
const done: boolean = await aires.shutdown();
void done;
