// CPU time of a process and its descendants, read from /proc: the cost figure
// the end-to-end benchmarks lead with. On a shared 2-core machine requests/s
// for one server moves 2× between runs (the load generator competes for the
// same cores); the CPU the server spends per request moves far less.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux everywhere in practice). */
const TICKS = 100;

interface Stat {
  ppid: number;
  ticks: number;
}

/** ppid and utime+stime (every thread of the process) from /proc/<pid>/stat; undefined once it is gone. */
function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted from its closing ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * CPU seconds (user + system, all threads) spent so far by `pid` and every
 * live process below it: `npm run proxy` is npm, then tsx, then the node that
 * serves, and only the last one works, but the whole tree is what the script costs.
 */
export function cpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const p = Number(name);
    if (!Number.isInteger(p) || p <= 0) continue;
    const s = stat(p);
    if (s === undefined) continue;
    ticks.set(p, s.ticks);
    const list = children.get(s.ppid);
    if (list) list.push(p);
    else children.set(s.ppid, [p]);
  }
  let total = 0;
  for (const stack = [pid]; stack.length > 0; ) {
    const p = stack.pop()!;
    total += ticks.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total / TICKS;
}
