// The package as a user gets it: `npm pack`, installed from the tarball into a fresh
// project, then imported, required, type-checked and inspected by attw and publint.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as source from '../src/index.js';
import { ROOT } from './helpers.js';

const run = promisify(execFile);
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const TSSERVER = join(ROOT, 'node_modules/typescript/lib/tsserver.js');
const BIN = join(ROOT, 'node_modules/.bin');

let dir: string; // holds the tarball and the consumer project
let app: string; // the consumer project
let tarball: string;
let packed: string[]; // the paths inside the tarball

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/index.mjs'))) throw new Error('dist/ is not built: run `npm run build` (`npm test` does)');
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'redisproto-package-')));
  // --ignore-scripts: pack the dist/ that `npm test` built, rather than rebuild it under other tests' feet.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info.filename);
  packed = info.files.map((f) => f.path);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  // The package has no dependencies, so this needs no network.
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `node <file>` in the consumer project after writing `text` to it; returns its output lines. */
async function runInApp(file: string, text: string): Promise<string[]> {
  writeFileSync(join(app, file), text);
  const { stdout } = await run(process.execPath, [file], { cwd: app });
  return stdout.trim().split('\n');
}

// One ECHO request in, Redis's reply out, and where the package resolved to:
// the body a consumer runs after loading the package with `load`.
const echo = (load: string, resolve: string): string => `${load}
const { Readable, Writable } = stream;
(async () => {
  const parser = new Parser(Readable.from([Buffer.from('*2\\r\\n$4\\r\\nECHO\\r\\n$5\\r\\nhello\\r\\n')]));
  const cmd = await parser.readCommand();
  const sent = [];
  const writer = new Writer(new Writable({ write(chunk, _, done) { sent.push(chunk); done(); } }));
  writer.writeBulk(cmd.get(1));
  await writer.flush();
  console.log(${resolve});
  console.log(JSON.stringify(Buffer.concat(sent).toString('latin1')));
})();
`;

test('the tarball holds the build, its sources, LICENSE, README, CHANGELOG and package.json, nothing else', () => {
  const top = ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'];
  const built = ['dist/package.json', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/command.d.ts.map'];
  for (const file of [...top, ...built, 'src/index.ts']) expect(packed, file).toContain(file);
  expect(packed.filter((f) => !/^(dist|src)\//.test(f) && !top.includes(f))).toEqual([]);
});

test('an ES module imports the package from the tarball and parses and answers a request', async () => {
  const [resolved, reply] = await runInApp(
    'echo.mjs',
    echo("import { Parser, Writer } from 'redisproto';\nimport stream from 'node:stream';", "import.meta.resolve('redisproto')"),
  );
  expect(resolved).toBe(`file://${app}/node_modules/redisproto/dist/index.mjs`);
  expect(reply).toBe(JSON.stringify('$5\r\nhello\r\n'));
});

test('a CommonJS module requires the package from the tarball and parses and answers a request', async () => {
  const [resolved, reply] = await runInApp(
    'echo.cjs',
    echo("const { Parser, Writer } = require('redisproto');\nconst stream = require('node:stream');", "require.resolve('redisproto')"),
  );
  expect(resolved).toBe(`${app}/node_modules/redisproto/dist/index.js`);
  expect(reply).toBe(JSON.stringify('$5\r\nhello\r\n'));
});

test('import and require expose the same names as src/index.ts', async () => {
  const [imported, required] = await runInApp(
    'names.mjs',
    `import * as esm from 'redisproto';
import { createRequire } from 'node:module';
console.log(Object.keys(esm).sort().join());
console.log(Object.keys(createRequire(import.meta.url)('redisproto')).sort().join());
`,
  );
  const expected = Object.keys(source).sort().join();
  expect(imported).toBe(expected);
  expect(required).toBe(expected);
});

test('import and require share one copy: an error from a required Parser is instanceof the imported ProtocolError', async () => {
  const [result] = await runInApp(
    'one-copy.mjs',
    `import * as esm from 'redisproto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
const cjs = createRequire(import.meta.url)('redisproto');
const err = await new cjs.Parser(Readable.from([Buffer.from('*x\\r\\n')])).readCommand().catch((e) => e);
console.log(JSON.stringify({
  sameExports: Object.keys(esm).every((name) => esm[name] === cjs[name]),
  instanceOfImported: err instanceof esm.ProtocolError,
  message: err.message,
}));
`,
  );
  expect(JSON.parse(result)).toEqual({
    sameExports: true,
    instanceOfImported: true,
    message: 'Protocol error: invalid multibulk length',
  });
});

// What a TypeScript consumer writes: each line leans on the package's types, and
// the @ts-expect-error lines fail to compile only if the types are really there.
const CONSUMER = `import { DEFAULT_LIMITS, Parser, ProtocolError, ReplyParser, Writer } from 'redisproto';
import type { Command, Limits, ParserOptions, Reply, ReplyValue, WriterOptions } from 'redisproto';
import { PassThrough } from 'node:stream';

export async function answer(): Promise<string | undefined> {
  const limits: Limits = { ...DEFAULT_LIMITS, maxArgs: 16 };
  const options: ParserOptions = limits;
  const parser = new Parser(new PassThrough(), options);
  const writerOptions: WriterOptions = { bufferSize: 1024 };
  const writer = new Writer(new PassThrough(), writerOptions);
  try {
    const cmd: Command | null = await parser.readCommand();
    if (cmd === null) return undefined;
    const value: ReplyValue = [cmd.name(), cmd.get(1) ?? null, cmd.argCount()];
    writer.writeAny(value);
    await writer.flush();
    // @ts-expect-error readCommand() returns a promise, not a Command
    const wrong: Command = parser.readCommand();
    void wrong;
    return cmd.getString(0);
  } catch (err) {
    if (err instanceof ProtocolError && !err.fatal) return err.message;
    throw err;
  }
}

export async function reply(): Promise<string> {
  const replies = new ReplyParser(new PassThrough());
  const r: Reply | null = await replies.readReply();
  // @ts-expect-error a Reply's type is one of RESP's, not any string
  if (r?.type === 'no such type') return '';
  return r?.type === 'simple' ? r.value : '';
}
`;

/** Type-checks the consumer in the app as the files named, under `compilerOptions`; resolves to tsc's output. */
async function typecheck(name: string, files: string[], compilerOptions: Record<string, unknown>): Promise<string> {
  for (const file of files) writeFileSync(join(app, file), CONSUMER);
  writeFileSync(
    join(app, `tsconfig.${name}.json`),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        ...compilerOptions,
      },
      files,
    }),
  );
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', `tsconfig.${name}.json`], { cwd: app });
    return stdout;
  } catch (err) {
    return (err as { stdout: string }).stdout || String(err);
  }
}

test('a TypeScript consumer type-checks under moduleResolution node16, as ES module and as CommonJS', async () => {
  // skipLibCheck off here: the package's own .d.ts files must check cleanly too (once is enough, it costs seconds).
  const options = { module: 'node16', moduleResolution: 'node16', skipLibCheck: false };
  expect(await typecheck('node16', ['node16.mts', 'node16.cts'], options)).toBe('');
});

test('a TypeScript consumer type-checks under moduleResolution nodenext, as ES module and as CommonJS', async () => {
  expect(await typecheck('nodenext', ['nodenext.mts', 'nodenext.cts'], { module: 'nodenext', moduleResolution: 'nodenext' })).toBe('');
});

test('a TypeScript consumer type-checks under moduleResolution bundler', async () => {
  expect(await typecheck('bundler', ['bundler.ts'], { module: 'preserve', moduleResolution: 'bundler' })).toBe('');
});

test("the public types hide Command's internals: no buf, no offsets, no writable last, no public constructor", async () => {
  // Each line must fail to compile; tsc reports an unused @ts-expect-error on the line after one that did not.
  writeFileSync(
    join(app, 'internals.mts'),
    `import { Command } from 'redisproto';
declare const cmd: Command;
// @ts-expect-error buf
cmd.buf;
// @ts-expect-error offsets
cmd.offsets;
// @ts-expect-error last
cmd.last = false;
// @ts-expect-error constructor
export type Made = ConstructorParameters<typeof Command>;
`,
  );
  writeFileSync(
    join(app, 'tsconfig.internals.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['internals.mts'],
    }),
  );
  const out = await run(process.execPath, [TSC, '-p', 'tsconfig.internals.json'], { cwd: app }).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );
  const names = ['buf', 'offsets', 'last', 'constructor'];
  const exposed = [...out.matchAll(/internals\.mts\((\d+),\d+\): error TS2578/g)].map((m) => names[(Number(m[1]) - 3) / 2]);
  expect(exposed, out).toEqual([]);
  expect(out).toBe('');
});

test("an editor's go-to-definition on an import lands in the package's src/, through the declaration maps", async () => {
  const file = join(app, 'goto.mts');
  writeFileSync(file, "import { Parser } from 'redisproto';\nexport const parser = Parser;\n");
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true, types: [] }, files: ['goto.mts'] }));
  // tsserver is what editors run: ask it as VS Code does, over its stdin protocol.
  const server = spawn(process.execPath, [TSSERVER, '--disableAutomaticTypingAcquisition'], { cwd: app, stdio: ['pipe', 'pipe', 'ignore'] });
  const answer = new Promise<{ file: string; start: { line: number } }[]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tsserver gave no definition:\n${out}`)), 50_000);
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"command":"definition"'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { body: { file: string; start: { line: number } }[] }).body);
      }
    });
  });
  const send = (seq: number, command: string, args: object): void => {
    server.stdin.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
  };
  send(1, 'open', { file });
  send(2, 'definition', { file, line: 2, offset: 'export const parser = '.length + 1 });
  try {
    const [definition] = await answer;
    expect(definition.file).toBe(join(app, 'node_modules/redisproto/src/parser.ts'));
  } finally {
    server.kill();
  }
});

test('attw (are the types wrong) finds no problem in the tarball under node10, node16 (CommonJS and ESM) and bundler', async () => {
  const { stdout } = await run(join(BIN, 'attw'), [tarball, '--format', 'json'], { cwd: dir }).catch((err) => err as { stdout: string });
  const { analysis } = JSON.parse(stdout) as { analysis: { problems: unknown[]; entrypoints: Record<string, unknown> } };
  expect(Object.keys(analysis.entrypoints)).toContain('.');
  expect(analysis.problems).toEqual([]);
});

test('publint finds nothing to report in the tarball, warnings and suggestions included', async () => {
  const { stdout } = await run(join(BIN, 'publint'), ['run', tarball, '--strict', '--level', 'suggestion'], { cwd: dir }).catch(
    (err) => err as { stdout: string },
  );
  expect(stdout).toContain('All good!');
});

test("the repository's own scripts and examples load 'redisproto' through the same exports, from dist/", async () => {
  const script = "console.log(import.meta.resolve('redisproto'))";
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  expect(stdout.trim()).toBe(`file://${join(ROOT, 'dist/index.mjs')}`);
});
