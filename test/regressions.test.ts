// Bugs the fuzz suite (fuzz/) found, each with the minimal bytes that showed it.
import { expect, test } from 'vitest';
import { parseWhole } from './helpers.js';

test("a LF where the dollar should be reads as a space in the error, as Redis replies it", async () => {
  // redis-server 7.0.15 answers "*1\r\n\n\r\n" with "-ERR Protocol error: expected '$', got ' '\r\n".
  expect((await parseWhole('*1\r\n\n\r\n')).error).toEqual({ message: "Protocol error: expected '$', got ' '", fatal: true });
});

test("a CR where the dollar should be reads as a space in the error, as Redis replies it", async () => {
  // redis-server 7.0.15 answers "*1\r\n\r\n\r\n" with "-ERR Protocol error: expected '$', got ' '\r\n".
  expect((await parseWhole('*1\r\n\r\n\r\n')).error).toEqual({ message: "Protocol error: expected '$', got ' '", fatal: true });
});
