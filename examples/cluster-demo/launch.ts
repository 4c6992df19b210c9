// `NODES=4 PORT=7000 npm run cluster-demo`: starts NODES processes of node.ts, node i on
// 127.0.0.1:PORT+i with an even share of the slots; stopping this process stops them all.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const count = Number(process.env.NODES ?? 3);
const basePort = Number(process.env.PORT ?? 7000);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(basePort) || basePort < 1 || basePort + count - 1 > 65535) {
  console.error(`cluster-demo: NODES=${process.env.NODES} PORT=${process.env.PORT} do not fit 1..65535`);
  process.exit(2);
}
const script = fileURLToPath(new URL('node.ts', import.meta.url));
const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}

let ready = 0;
for (let i = 0; i < count; i++) {
  // The same node binary and flags (tsx's loader) as this process, one process per core's worth of work.
  const child = spawn(process.execPath, [...process.execArgv, script], {
    env: { ...process.env, INDEX: String(i), NODES: String(count), PORT: String(basePort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let said = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (said.includes('ready')) return;
    said += d.toString();
    if (!said.includes('ready')) return;
    process.stdout.write(said);
    if (++ready === count) {
      const pids = children.map((c) => c.pid).join(',');
      console.log(`cluster-demo: ${count} nodes listening on 127.0.0.1:${basePort}-${basePort + count - 1} (pids ${pids})`);
    }
  });
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`cluster-demo: node ${i} exited (${signal ?? code}); stopping the others`);
    stopAll(stopping ? 0 : 1);
  });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopAll(0));
