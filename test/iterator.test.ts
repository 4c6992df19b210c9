// `for await (const cmd of parser)`: the same commands and errors as readCommand(), in order.
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { Parser } from '../src/index.js';

function parserOver(...chunks: string[]): Parser {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(Buffer.from(chunk, 'latin1'));
  stream.end();
  return new Parser(stream);
}

test('a fatal protocol error is thrown out of the loop after the commands before it', async () => {
  const names: string[] = [];
  const run = async (): Promise<void> => {
    for await (const cmd of parserOver('*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n')) names.push(cmd.name());
  };
  await expect(run()).rejects.toMatchObject({ name: 'ProtocolError', code: 'INVALID_BULK_LENGTH', message: 'Protocol error: invalid bulk length' });
  expect(names).toEqual(['ping']);
});

test('commands split across chunks come out whole, as from readCommand()', async () => {
  const args: string[][] = [];
  for await (const cmd of parserOver('*2\r\n$3\r\nGET\r', '\n$1\r\nk', '\r\n*1\r\n$4\r\nPING\r\n')) {
    args.push(cmd.args().map((a) => a.toString()));
  }
  expect(args).toEqual([['GET', 'k'], ['PING']]);
});

test('breaking out of the loop leaves the parser usable with readCommand()', async () => {
  const parser = parserOver('*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nECHO\r\n');
  for await (const cmd of parser) {
    expect(cmd.name()).toBe('ping');
    break;
  }
  expect((await parser.readCommand())?.name()).toBe('echo');
  expect(await parser.readCommand()).toBeNull();
});

test('an iterator that has ended keeps saying done', async () => {
  const it = parserOver('PING\r\n')[Symbol.asyncIterator]();
  expect((await it.next()).done).toBe(false);
  expect(await it.next()).toEqual({ value: undefined, done: true });
  expect(await it.next()).toEqual({ value: undefined, done: true });
});
