import { expect, test } from 'vitest';
import { parseWhole } from './helpers.js';

test('a multibulk PING parses to one command', async () => {
  expect(await parseWhole('*1\r\n$4\r\nPING\r\n')).toEqual({ commands: [['PING']], error: null });
});
