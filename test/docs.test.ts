// The API reference `npm run docs` generates from the TSDoc comments (TypeDoc, typedoc.json).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { ROOT } from './helpers.js';

const run = promisify(execFile);

test('the TypeDoc reference covers every export of src/index.ts, with no broken {@link} and no unexported type', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redisproto-docs-'));
  try {
    // No source links in this run: in a clone without a git remote TypeDoc would warn about them.
    const { stdout, stderr } = await run(
      join(ROOT, 'node_modules/.bin/typedoc'),
      ['--out', join(dir, 'html'), '--json', join(dir, 'api.json'), '--logLevel', 'Warn', '--disableSources'],
      { cwd: ROOT },
    );
    const problems = `${stdout}${stderr}`.split('\n').filter((line) => /\[(warning|error)\]/.test(line) && !/Found 0 errors and 0 warnings/.test(line));
    expect(problems).toEqual([]);

    // src/index.ts only re-exports: `export { A, type B } from './a.js';`
    const exported = [...readFileSync(join(ROOT, 'src/index.ts'), 'utf8').matchAll(/export\s*\{([^}]*)\}/g)]
      .flatMap((m) => m[1].split(','))
      .map((name) => name.replace(/^\s*type\s+/, '').trim())
      .filter(Boolean)
      .sort();
    const api = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { children: { name: string }[] };
    expect(api.children.map((c) => c.name).sort()).toEqual(exported);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000); // TypeDoc alone took 5 s to 34 s on 2 shared cores
