/**
 * `clusterset-dns version`: which build this is — the package version, the
 * commit it was built from and the Node.js version (src/runtime/build-info.ts,
 * the same facts as the clusterset_dns_build_info metric).
 */
import { readBuildInfo, type BuildInfo } from '../runtime/build-info.js';
import { UsageError, flagHelp, parseFlags, type FlagSpec } from './internal/flags.js';
import { parseOrExit, processIo, type Io } from './internal/io.js';

const VERSION_FLAGS: FlagSpec[] = [
  { name: 'output', kind: 'string', default: 'text', help: 'text or json (also -o).' },
  { name: 'help', kind: 'bool', default: 'false', help: 'Print this help.' },
];

export const VERSION_HELP = `Usage: clusterset-dns version [-o json]

Prints the version, the git commit the build was made from ("unknown" when run
from source or when the build did not record it; docs/metrics.md) and the
Node.js version.

Flags:
${flagHelp(VERSION_FLAGS)}
`;

export type VersionOutput = 'text' | 'json';

/** argv → the output format; `-o X` is --output X. */
export function parseVersionArgs(argv: string[]): VersionOutput | 'help' {
  if (argv[0] === 'help' || argv[0] === '-h') return 'help';
  const long = argv.map((a) => (a === '-o' ? '--output' : a));
  const f = parseFlags(VERSION_FLAGS, long, {});
  if (f['help']) return 'help';
  const output = String(f['output']).trim();
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: want text or json, got ${JSON.stringify(output)}`);
  return output;
}

/** What `version` prints. */
export function renderVersion(info: BuildInfo, output: VersionOutput): string {
  if (output === 'json') return `${JSON.stringify({ version: info.version, commit: info.commit, nodeVersion: info.nodeVersion })}\n`;
  return `clusterset-dns ${info.version} (commit ${info.commit}, node ${info.nodeVersion})\n`;
}

export function version(argv: string[], io: Io = processIo, info: BuildInfo = readBuildInfo()): number {
  const output = parseOrExit('version', VERSION_HELP, parseVersionArgs, argv, io);
  if (typeof output === 'number') return output;
  io.stdout(renderVersion(info, output));
  return 0;
}
