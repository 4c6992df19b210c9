// Where a V8 CPU profile's time goes: the functions with the most self time,
// as a share of the samples. For the reply benchmark's profiles:
//   node --cpu-prof --cpu-prof-dir=prof bench/replies.mjs --workload ok --only replyParser
//   node bench/profile-summary.mjs prof/*.cpuprofile
// Samples taken while the benchmark builds its input or node loads modules are
// left out (their stack holds one of SETUP or a module loader frame); the GC's
// samples stay in: the parser's garbage is its cost.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const TOP = Number(process.env.TOP ?? 15);
const SETUP = new Set(['bytes', 'repeat', 'chunked']);

for (const file of process.argv.slice(2)) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isSetup = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = byId.get(at).callFrame;
      if (SETUP.has(functionName) || url.includes('internal/modules/')) return true;
    }
    return false;
  };
  const hits = new Map();
  // Sample i lasted timeDeltas[i + 1] microseconds (V8 records the gap before each next sample).
  profile.samples.forEach((id, i) => hits.set(id, (hits.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const self = new Map();
  let total = 0;
  let setup = 0;
  for (const [id, us] of hits) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)') continue;
    if (isSetup(id)) {
      setup += us;
      continue;
    }
    const where = url ? `${relative(process.cwd(), url.startsWith('file:') ? new URL(url).pathname : url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms of samples (${(setup / 1000).toFixed(0)} ms building input or loading modules left out)`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
}
