// Plumbing shared by the cluster proxy tests: raw exchanges, keys placed on chosen nodes, and the
// proxy's own node process (for its memory).
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { keySlot as calculateSlot } from '../src/index.js';
import { exchange } from './helpers.js';
import { encode } from './resp-client.js';

export const run = promisify(execFile);

export { exchange };

/** Several commands as one pipelined burst, QUIT last so that the exchange ends. */
export const burst = (...commands: (string | Buffer)[][]): Buffer =>
  Buffer.concat([...commands, ['QUIT']].map((c) => encode(...c)));

/** `n` keys named `prefix:i` spread about evenly over the nodes in `ports`; `slotPorts` says who serves each slot. */
export function keysOnEveryNode(prefix: string, n: number, ports: number[], slotPorts: number[]): string[] {
  const keys: string[] = [];
  const perPort = new Map(ports.map((p) => [p, 0]));
  for (let i = 0; keys.length < n && i < 100 * n; i++) {
    const key = `${prefix}:${i}`;
    const port = slotPorts[calculateSlot(key)];
    if ((perPort.get(port) ?? Infinity) < Math.ceil(n / ports.length)) {
      keys.push(key);
      perPort.set(port, (perPort.get(port) ?? 0) + 1);
    }
  }
  return keys;
}

/** GET on the node at `port` itself, on a raw connection: the value, or the error (a MOVED shows as one). */
export async function valueOn(port: number, key: string): Promise<string> {
  const reply = (await exchange(port, burst(['GET', key]))).toString('latin1');
  const m = /^\$\d+\r\n([^]*)\r\n\+OK\r\n$/.exec(reply);
  return m !== null ? m[1] : reply.replace(/\r\n\+OK\r\n$/, '').replace(/\r\n$/, '');
}

/** The resident memory of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The node process running `script` under `rootPid` (npm → tsx → node): the deepest one whose command line names it. */
export function scriptProcess(rootPid: number, script: string): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let found = -1;
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(script)) found = child;
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(rootPid);
  if (found < 0) throw new Error(`no process runs ${script} under ${rootPid}`);
  return found;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
