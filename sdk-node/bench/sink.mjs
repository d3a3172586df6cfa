// A gRPC sink for the delivery benchmark: answers every Ingest at once
// without decoding (grpc-js still gunzips), in its own process, so the
// number measured is the SDK's side. Prints "port N".
import * as grpc from "@grpc/grpc-js";

const raw = (b) => b;
const server = new grpc.Server();
server.addService({
  Ingest: { path: "/aires.v1.IngestService/Ingest", requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: () => Buffer.alloc(0), responseDeserialize: raw },
}, { Ingest: (_call, cb) => cb(null, {}) });
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`port ${port}\n`);
});
