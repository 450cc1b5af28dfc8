/**
 * A small flag parser with the Kubernetes-style `--name=value` / `--name value`
 * / `--bool` / `--bool=false` forms, where every flag has a default, an
 * environment variable and a line of help. A flag may also have a one-letter
 * form as kubectl's (`-o json`, `-ojson`, `-o=json`, `-h`). `--help` prints
 * them all.
 */
export interface FlagSpec {
  name: string;
  kind: 'string' | 'bool' | 'int' | 'duration';
  default: string;
  env?: string;
  /** One letter: `-o` for --output, `-h` for --help. */
  short?: string;
  help: string;
}

/** The command line is wrong: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {}

export type FlagValues = Record<string, string | number | boolean>;

/** `-h`/`--help`, on every command. */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'bool', default: 'false', help: 'Print this help.' };

/** `-o`/`--output`, on every command that prints a result. */
export const OUTPUT_FLAG: FlagSpec = { name: 'output', short: 'o', kind: 'string', default: 'table', help: 'table (for people) or json (one document on stdout, for scripts).' };

export type Output = 'table' | 'json';

export function parseOutput(f: FlagValues): Output {
  const output = String(f['output']).trim();
  if (output !== 'table' && output !== 'json') throw new UsageError(`--output: want table or json, got ${JSON.stringify(output)}`);
  return output;
}

/** "30s", "2m", "1500ms", or a bare number of seconds → milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`invalid duration ${JSON.stringify(s)} (use e.g. 30s, 2m, 500ms)`);
  const n = Number(m[1]);
  return Math.round(n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000));
}

function convert(spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.kind) {
    case 'bool':
      if (raw === 'true' || raw === '') return true;
      if (raw === 'false') return false;
      throw new UsageError(`--${spec.name}: want true or false, got ${JSON.stringify(raw)}`);
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${spec.name}: want a non-negative integer, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'duration':
      return parseDuration(raw);
    default:
      return raw;
  }
}

/** Edits (insert, delete, replace) that turn a into b. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** " (did you mean --cluster?)" for a near miss, so the fix is in the message; "" when nothing is close. */
export function didYouMean(given: string, names: readonly string[]): string {
  const close = names
    .map((n) => ({ n, d: n.startsWith(given) || given.startsWith(n) ? 1 : editDistance(given, n) }))
    .filter((c) => c.d <= Math.min(2, Math.floor(given.length / 3)))
    .sort((a, b) => a.d - b.d);
  return close[0] ? ` (did you mean --${close[0].n}?)` : '';
}

/** `-o json`, `-ojson`, `-o=json`, `-h` → the long form and its inline value, if any. */
function longForm(arg: string, specs: readonly FlagSpec[], names: readonly string[]): { name: string; raw: string | undefined } {
  const long = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
  if (long?.[1]) return { name: long[1], raw: long[2] };
  const short = /^-([a-zA-Z])(?:=?(.+))?$/.exec(arg);
  if (short?.[1]) {
    const spec = specs.find((s) => s.short === short[1]);
    if (spec) return { name: spec.name, raw: short[2] };
  }
  // `-x`, or a long name with one dash (`-kubeconfig`, as Go's flag package takes it).
  if (arg.startsWith('-')) throw new UsageError(`unknown flag ${arg.replace(/=.*/, '')}${didYouMean(arg.replace(/^-+/, '').replace(/=.*/, ''), names)}`);
  throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
}

export function parseFlags(specs: FlagSpec[], argv: string[], env: Record<string, string | undefined> = process.env): FlagValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const names = specs.map((s) => s.name);
  const values: FlagValues = {};
  for (const s of specs) {
    const fromEnv = s.env ? env[s.env] : undefined;
    values[s.name] = convert(s, fromEnv ?? s.default);
  }
  for (let i = 0; i < argv.length; i++) {
    const { name, raw: inline } = longForm(argv[i] ?? '', specs, names);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}${didYouMean(name, names)}`);
    let raw = inline;
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else {
        raw = argv[++i];
        if (raw === undefined) throw new UsageError(`--${spec.name} needs a value`);
      }
    }
    values[spec.name] = convert(spec, raw);
  }
  return values;
}

export function flagHelp(specs: FlagSpec[]): string {
  return specs
    .map((s) => {
      const def = s.default === '' ? '' : ` (default ${s.default})`;
      const env = s.env ? ` [$${s.env}]` : '';
      const short = s.short ? `-${s.short}, ` : '';
      return `  ${short}--${s.name}${s.kind === 'bool' ? '' : '=' + s.kind.toUpperCase()}\n      ${s.help}${def}${env}`;
    })
    .join('\n');
}

/** A `--help` request: for the command, or for one of its actions. */
export interface HelpRequest<A extends string = string> {
  help: A | undefined;
}

export const isHelp = (x: unknown): x is HelpRequest => typeof x === 'object' && x !== null && 'help' in x;

/** One action of an `<action> [flags]` command, and the flags it takes (by name; help is implied). */
export interface ActionSpec<A extends string = string> {
  name: A;
  flags: readonly string[];
}

const list = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1] ?? ''}`);
const either = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1] ?? ''}`);

/** The flags of `specs` that `action` does not take, each with the actions that do. */
export function refusedFlags<A extends string>(action: ActionSpec<A>, actions: readonly ActionSpec<A>[], specs: readonly FlagSpec[]): Array<{ flag: string; usedBy: A[] }> {
  return specs
    .filter((s) => s.name !== 'help' && !action.flags.includes(s.name))
    .map((s) => ({ flag: s.name, usedBy: actions.filter((a) => a.flags.includes(s.name)).map((a) => a.name) }));
}

/**
 * `<action> [flags]`, the shape of `coredns` and `karmada`: the action and its
 * flags, or a help request (no action, `help [ACTION]`, `-h`/`--help`, or
 * `ACTION --help`). A flag the action does not take is refused, naming the
 * actions that do, rather than silently ignored. The flags read no
 * environment: a stray variable must not change what a command that writes
 * does.
 */
export function parseActionFlags<A extends string>(
  argv: string[],
  actions: readonly ActionSpec<A>[],
  specs: FlagSpec[],
): { action: A; flags: FlagValues } | HelpRequest<A> {
  const [first, ...rest] = argv;
  const find = (name: string | undefined) => actions.find((a) => a.name === name);
  const unknown = (name: string) => new UsageError(`unknown action ${JSON.stringify(name)}; want ${either(actions.map((a) => a.name))}`);
  if (first === undefined || first === '--help' || first === '-h') return { help: undefined };
  if (first === 'help') {
    if (rest[0] === undefined) return { help: undefined };
    const a = find(rest[0]);
    if (!a) throw unknown(rest[0]);
    return { help: a.name };
  }
  const action = find(first);
  if (!action) throw unknown(first);
  const flags = parseFlags(specs, rest, {});
  if (flags['help']) return { help: action.name };
  // On the command line, not just its default.
  const given = (name: string) => {
    const short = specs.find((s) => s.name === name)?.short;
    return rest.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (short !== undefined && a.startsWith(`-${short}`)));
  };
  const refused = refusedFlags(action, actions, specs).filter((r) => given(r.flag));
  if (refused.length > 0) {
    // Grouped by the actions that take them: "--ttl applies to install only; --zone applies to install and status only".
    const groups = new Map<string, string[]>();
    for (const r of refused) groups.set(list(r.usedBy), [...(groups.get(list(r.usedBy)) ?? []), `--${r.flag}`]);
    const parts = [...groups].map(([users, flags]) => `${list(flags)} ${flags.length === 1 ? 'applies' : 'apply'} to ${users} only`);
    throw new UsageError(`${parts.join('; ')}, not to ${action.name}`);
  }
  return { action: action.name, flags };
}
