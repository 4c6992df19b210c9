// Where the keys of a command are, learned from the cluster's own COMMAND reply at start-up: the
// key specs of Redis 7 (begin_search index/keyword, find_keys range/keynum), or first/last/step on
// older servers. Commands whose specs say the keys cannot be found from the arguments alone are
// marked for COMMAND GETKEYS, as cluster clients do. No hand-written table.
import type { Command, Reply } from 'redisproto';
import { ask, fields, int, list, text } from './ask.js';

/** One key spec, reduced to what finding the keys needs. */
interface KeySpec {
  /** begin_search index: the position of the first key; 0 when searching for a keyword. */
  index: number;
  /** begin_search keyword: the keyword after which the keys start, lower case; '' for an index. */
  keyword: string;
  /** Where to start looking for the keyword: from the start (> 0) or from the end (< 0). */
  startFrom: number;
  /** find_keys range: last key relative to the first (≥ 0) or to the end (< 0), step, limit. */
  range: boolean;
  lastKey: number;
  keyStep: number;
  limit: number;
  /** find_keys keynum: where the count is (relative to the first), where the keys start after it. */
  keyNumIndex: number;
  firstKey: number;
}

/** What the cluster says about one command (or subcommand, `object|encoding`). */
export interface CommandInfo {
  /** Redis's arity: exact when positive, a minimum when negative. */
  arity: number;
  specs: KeySpec[];
  /** Only `COMMAND GETKEYS` can tell where the keys are. */
  needsGetKeys: boolean;
  /** The one key of the most common shape (`GET k`, `SET k v`): its position, or 0. */
  onlyKey: number;
  subcommands: Map<string, CommandInfo> | null;
}

/** Outcomes of {@link CommandKeys.route} other than a slot. */
export const NO_KEYS = -1;
export const CROSSSLOT = -2;
/** The arguments do not fit the command: the node will say how (arity, syntax, unknown command). */
export const LET_NODE_SAY = -3;
export const ASK_GETKEYS = -4;

export class CommandKeys {
  private constructor(private readonly table: Map<string, CommandInfo>) {}

  /** Reads `COMMAND` from the node at `address`. */
  static async fetch(address: string): Promise<CommandKeys> {
    const reply = await ask(address, ['COMMAND']);
    if (reply.type === 'error') throw new Error(`COMMAND on ${address}: ${reply.value}`);
    const table = new Map<string, CommandInfo>();
    for (const entry of list(reply)) {
      const name = text(list(entry)[0]);
      if (name !== undefined) table.set(name.toLowerCase(), describe(entry));
    }
    return new CommandKeys(table);
  }

  /** The entry for this command (its subcommand's, for container commands such as OBJECT). */
  lookup(cmd: Command): CommandInfo | undefined {
    const info = this.table.get(cmd.name());
    if (info === undefined || info.subcommands === null) return info;
    const sub = cmd.getString(1, 'latin1');
    if (sub === undefined) return info;
    return info.subcommands.get(`${cmd.name()}|${sub.toLowerCase()}`) ?? info;
  }

  /**
   * The positions of the keys of `cmd`, or a code: {@link NO_KEYS} when it
   * has none, {@link LET_NODE_SAY} when the arguments do not fit it,
   * {@link ASK_GETKEYS} when only the node can tell. Mirrors Redis's own
   * getKeysUsingKeySpecs.
   */
  keyPositions(info: CommandInfo, cmd: Command): number[] | number {
    const argc = cmd.argCount();
    if (info.arity > 0 ? argc !== info.arity : argc < -info.arity) return LET_NODE_SAY;
    if (info.needsGetKeys) return ASK_GETKEYS;
    const out: number[] = [];
    for (const spec of info.specs) {
      let first = spec.index;
      if (spec.keyword !== '') {
        first = 0;
        const forward = spec.startFrom > 0;
        for (let i = forward ? spec.startFrom : argc + spec.startFrom; i >= 1 && i < argc; i += forward ? 1 : -1) {
          if (cmd.getString(i, 'latin1')?.toLowerCase() === spec.keyword) {
            first = i + 1;
            break;
          }
        }
        if (first === 0) continue; // the keyword is absent: this spec has no keys here
      }
      let last: number;
      const step = Math.max(1, spec.keyStep);
      if (spec.range) {
        if (spec.lastKey >= 0) last = first + spec.lastKey;
        else if (spec.limit === 0) last = argc + spec.lastKey;
        else last = first + Math.floor((argc - first) / spec.limit) + spec.lastKey;
      } else {
        if (spec.keyNumIndex >= argc - first) return LET_NODE_SAY;
        const count = Number(cmd.getString(first + spec.keyNumIndex, 'latin1'));
        if (!Number.isSafeInteger(count) || count < 0) return LET_NODE_SAY;
        first += spec.firstKey;
        last = first + count - 1;
        if (count === 0) continue;
      }
      if (last >= argc || last < first || first >= argc) return LET_NODE_SAY;
      for (let i = first; i <= last; i += step) out.push(i);
    }
    return out.length === 0 ? NO_KEYS : out;
  }
}

/** Reads one entry of the COMMAND reply. */
function describe(entry: Reply): CommandInfo {
  const [, arity, flagList, first, last, step, , , keySpecs, subs] = list(entry);
  const flags = new Set(list(flagList).map((f) => text(f)));
  const specs: KeySpec[] = [];
  let needsGetKeys = false;
  const specReplies = list(keySpecs);
  for (const s of specReplies) {
    const spec = readSpec(s);
    if (spec === null) needsGetKeys = true;
    else specs.push(spec);
  }
  if (specReplies.length === 0 && (int(first) ?? 0) > 0) {
    // A server without key specs: first/last/step say it all (a negative last counts from the end).
    const lastKey = int(last) ?? 0;
    specs.push({
      index: int(first) ?? 0, keyword: '', startFrom: 0, range: true,
      lastKey: lastKey < 0 ? lastKey : lastKey - (int(first) ?? 0), keyStep: int(step) ?? 1, limit: 0,
      keyNumIndex: 0, firstKey: 0,
    });
    if (flags.has('movablekeys')) needsGetKeys = true;
  }
  let subcommands: Map<string, CommandInfo> | null = null;
  for (const sub of list(subs)) {
    const name = text(list(sub)[0]);
    if (name !== undefined) (subcommands ??= new Map()).set(name.toLowerCase(), describe(sub));
  }
  const one = specs.length === 1 ? specs[0] : null;
  const onlyKey = one !== null && one.keyword === '' && one.range && one.lastKey === 0 && !needsGetKeys ? one.index : 0;
  return { arity: int(arity) ?? 0, specs, needsGetKeys, onlyKey, subcommands };
}

/** A key spec, or null when its keys cannot be found from the arguments (unknown type, or flagged incomplete). */
function readSpec(reply: Reply): KeySpec | null {
  const spec = fields(reply);
  if (list(spec.get('flags')).some((f) => text(f) === 'incomplete')) return null;
  const begin = fields(spec.get('begin_search'));
  const find = fields(spec.get('find_keys'));
  const beginSpec = fields(begin.get('spec'));
  const findSpec = fields(find.get('spec'));
  const out: KeySpec = {
    index: 0, keyword: '', startFrom: 0, range: true, lastKey: 0, keyStep: 1, limit: 0, keyNumIndex: 0, firstKey: 0,
  };
  switch (text(begin.get('type'))) {
    case 'index':
      out.index = int(beginSpec.get('index')) ?? 0;
      break;
    case 'keyword':
      out.keyword = (text(beginSpec.get('keyword')) ?? '').toLowerCase();
      out.startFrom = int(beginSpec.get('startfrom')) ?? 1;
      break;
    default:
      return null;
  }
  switch (text(find.get('type'))) {
    case 'range':
      out.lastKey = int(findSpec.get('lastkey')) ?? 0;
      out.keyStep = int(findSpec.get('keystep')) ?? 1;
      out.limit = int(findSpec.get('limit')) ?? 0;
      break;
    case 'keynum':
      out.range = false;
      out.keyNumIndex = int(findSpec.get('keynumidx')) ?? 0;
      out.firstKey = int(findSpec.get('firstkey')) ?? 1;
      out.keyStep = int(findSpec.get('keystep')) ?? 1;
      break;
    default:
      return null;
  }
  return out;
}
