/**
 * A small flag parser with the Kubernetes-style `--name=value` / `--name value`
 * / `--bool` / `--bool=false` forms, where every flag has a default, an
 * environment variable and a line of help. `--help` prints them all.
 */
export interface FlagSpec {
  name: string;
  kind: 'string' | 'bool' | 'int' | 'duration';
  default: string;
  env?: string;
  help: string;
}

export class UsageError extends Error {}

export type FlagValues = Record<string, string | number | boolean>;

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

export function parseFlags(specs: FlagSpec[], argv: string[], env: Record<string, string | undefined> = process.env): FlagValues {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values: FlagValues = {};
  for (const s of specs) {
    const fromEnv = s.env ? env[s.env] : undefined;
    values[s.name] = convert(s, fromEnv ?? s.default);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const spec = byName.get(m[1]);
    if (!spec) throw new UsageError(`unknown flag --${m[1]}`);
    let raw = m[2];
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
      return `  --${s.name}${s.kind === 'bool' ? '' : '=' + s.kind.toUpperCase()}\n      ${s.help}${def}${env}`;
    })
    .join('\n');
}

/**
 * `<action> [flags]`, the shape of `coredns` and `karmada`: the action (one of
 * `actions`) and its flags, or 'help' for no action, `help`, `-h` or `--help`.
 * The flags read no environment: a stray variable must not change what a
 * command that writes does. `given(name)`: the flag is on the command line
 * (not just its default), to refuse a flag the action does not use.
 */
export function parseActionFlags<A extends string>(
  argv: string[],
  actions: readonly A[],
  specs: FlagSpec[],
): { action: A; flags: FlagValues; given: (name: string) => boolean } | 'help' {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return 'help';
  if (!actions.includes(first as A)) {
    throw new UsageError(`unknown action ${JSON.stringify(first)}; want ${actions.slice(0, -1).join(', ')} or ${actions[actions.length - 1] ?? ''}`);
  }
  const flags = parseFlags(specs, rest, {});
  if (flags['help']) return 'help';
  const given = (name: string) => rest.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return { action: first as A, flags, given };
}
