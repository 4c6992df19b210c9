// What a child process holds, read from /proc: its file descriptors and its
// resident memory. Used by the tests that check an example lets go of clients
// and does not grow under a client that never reads.
import { readdirSync, readFileSync } from 'node:fs';
import type { Started } from './helpers.js';

/** Whether /proc can be read (Linux); tests that need it skip elsewhere. */
export const HAVE_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** The parent pid of a process, or -1 once it is gone. */
function parentOf(pid: number): number {
  try {
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/**
 * The pid of the node process that runs an npm script: npm starts tsx, which
 * starts node, so it is the descendant of npm's process that has no children.
 */
export function scriptPid(started: Started): number {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const parents = new Map(pids.map((pid) => [pid, parentOf(pid)]));
  let current = started.process.pid!;
  for (;;) {
    const child = pids.find((pid) => parents.get(pid) === current);
    if (child === undefined) return current;
    current = child;
  }
}

/** How many file descriptors a process holds open. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A process's resident set size in bytes. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (kb === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** CPU seconds a process has used (utime + stime). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
