// `npm run build`: compiles src/ to one CommonJS build in dist/, plus an ES
// module entry that re-exports it, so `import` and `require` share one copy
// of every class (`instanceof ProtocolError` holds whichever way it was loaded).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/`;
const require = createRequire(import.meta.url);

// Files of renamed or deleted sources must not linger in the tarball.
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', `${root}tsconfig.build.json`], {
  stdio: 'inherit',
});

// The repository is "type": "module" (tests, examples, benchmarks); dist/ is CommonJS.
writeFileSync(`${dist}package.json`, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// The ES entry names each export of the CommonJS build explicitly rather than
// relying on Node's static detection of CommonJS exports.
const names = Object.keys(require(`${dist}index.js`)).sort();
writeFileSync(
  `${dist}index.mjs`,
  `// The ES module entry: the CommonJS build's exports, so both ways of loading share one copy.\n` +
    `import build from './index.js';\n\n` +
    `export const {\n${names.map((name) => `  ${name},\n`).join('')}} = build;\n`,
);
writeFileSync(`${dist}index.d.mts`, `export * from './index.js';\n`);
console.log(`dist/: CommonJS build, ES entry with ${names.length} exports`);
