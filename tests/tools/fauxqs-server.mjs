// Starts fauxqs (an SQS JSON 1.0 emulator) for the .NET tests.
//
//   node tests/tools/fauxqs-server.mjs [port] [--exit-on-stdin-close]
//
// Binds 127.0.0.1 only (fauxqs' own startFauxqs() binds 0.0.0.0, so we use buildApp and listen ourselves).
// Port 0 picks a free port. Prints exactly one JSON line, {"port":N}, to stdout once listening.
// Exits 0 on SIGTERM/SIGINT. With --exit-on-stdin-close it also exits when stdin reaches EOF: the .NET
// FauxqsServer holds stdin open, so a test runner that crashes does not leave a server behind.
// fauxqs keeps queues and messages in memory only: a restarted server starts empty.
import { buildApp } from "fauxqs";

const args = process.argv.slice(2);
const exitOnStdinClose = args.includes("--exit-on-stdin-close");
const arg = args.find((a) => !a.startsWith("--")) ?? "0";
const port = Number.parseInt(arg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535 || String(port) !== arg.trim()) {
  process.stderr.write(`fauxqs-server: bad port '${arg}' (want 0-65535)\n`);
  process.exit(2);
}

const app = buildApp({ logger: false });

let closing = false;
async function shutdown(code) {
  if (closing) {
    return;
  }
  closing = true;
  try {
    await app.close();
  } catch (err) {
    process.stderr.write(`fauxqs-server: close failed: ${err}\n`);
    code = 1;
  }
  process.exit(code);
}

process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
if (exitOnStdinClose) {
  process.stdin.on("end", () => shutdown(0));
  process.stdin.on("error", () => shutdown(0));
  process.stdin.resume();
}

try {
  await app.listen({ port, host: "127.0.0.1" });
} catch (err) {
  process.stderr.write(`fauxqs-server: listen on 127.0.0.1:${port} failed: ${err.code ?? ""} ${err.message}\n`);
  process.exit(1);
}

const bound = app.server.address();
process.stdout.write(JSON.stringify({ port: bound.port }) + "\n");
