// The package as a user installs it: the built files behind `exports`, with types.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { ROOT } from './helpers.js';

const run = promisify(execFile);

test("import from 'redisproto' resolves to the built package", async () => {
  const script = `
    import { Parser, Writer, Command, ProtocolError, DEFAULT_LIMITS } from 'redisproto';
    console.log([Parser, Writer, Command, ProtocolError].map((f) => typeof f).join(), DEFAULT_LIMITS.maxBulkLength);
    console.log(import.meta.resolve('redisproto'));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  const [kinds, resolved] = stdout.trim().split('\n');
  expect(kinds).toBe('function,function,function,function 536870912');
  expect(resolved).toMatch(/\/dist\/index\.js$/);
});

test('the build emits type declarations next to the code', () => {
  for (const file of ['index.js', 'index.d.ts', 'parser.d.ts', 'writer.d.ts', 'command.d.ts', 'errors.d.ts']) {
    expect(existsSync(`${ROOT}/dist/${file}`), file).toBe(true);
  }
});
