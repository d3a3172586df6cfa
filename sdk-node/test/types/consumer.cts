// Type-checked by test/types.test.mjs: the declarations of the CommonJS build.
import aires = require("@aires-dev/sdk");

aires.init({ service: "checkout", environment: "prod", endpoint: "localhost:4320" });
aires.info("order placed", { "order.id": "A-17", items: 3 });
aires.info("ratio", { whole: aires.double(3), nested: { d: new aires.Double(1) } });
void aires.shutdown({ timeoutMs: 1000 }).then((complete: boolean) => complete);
