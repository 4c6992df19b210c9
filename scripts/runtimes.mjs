// `npm run runtimes`, part of `npm test` (pretest): Bun and Deno, pinned, from npm into
// .runtimes/, for test/runtimes.test.ts, which runs the decoders on their own sockets. Does
// nothing when the pinned versions are there already, or on a machine other than Linux x64
// (whose packages these are: the tests then skip loudly, and fail under CI=true).
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PINNED = { '@oven/bun-linux-x64': '1.4.5', deno: '2.9.6' };
const prefix = fileURLToPath(new URL('../.runtimes', import.meta.url));

function installed(name) {
  try {
    return JSON.parse(readFileSync(`${prefix}/node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return null;
  }
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.warn(`runtimes: Bun and Deno are installed on Linux x64 only, not ${process.platform} ${process.arch}`);
} else if (Object.entries(PINNED).some(([name, version]) => installed(name) !== version)) {
  const specs = Object.entries(PINNED).map(([name, version]) => `${name}@${version}`);
  execSync(`npm install --no-save --no-package-lock --no-audit --no-fund --prefix "${prefix}" ${specs.join(' ')}`, {
    stdio: 'inherit',
  });
}
