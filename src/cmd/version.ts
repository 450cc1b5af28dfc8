/**
 * `clusterset-dns version`: which build this is — the package version, the
 * commit it was built from and the Node.js version (src/runtime/build-info.ts,
 * the same facts as the clusterset_dns_build_info metric).
 */
import { readBuildInfo, type BuildInfo } from '../runtime/build-info.js';
import { HELP_FLAG, OUTPUT_FLAG, UsageError, flagHelp, parseFlags, type FlagSpec, type HelpRequest } from './internal/flags.js';
import { parseOrExit, processIo, type Io } from './internal/io.js';

// "table" is the one line for people, as -o table is elsewhere; "text" is accepted as its name here.
const VERSION_FLAGS: FlagSpec[] = [{ ...OUTPUT_FLAG, help: 'table (one line, for people; also "text") or json (one document, for scripts).' }, HELP_FLAG];

export const VERSION_HELP = `Usage: clusterset-dns version [-o json]

Prints the version, the git commit the build was made from ("unknown" when run
from source or when the build did not record it; docs/metrics.md) and the
Node.js version.

Flags:
${flagHelp(VERSION_FLAGS)}
`;

export type VersionOutput = 'text' | 'json';

/** argv → the output format, or a request for help. */
export function parseVersionArgs(argv: string[]): VersionOutput | HelpRequest {
  if (argv[0] === 'help') return { help: undefined };
  const f = parseFlags(VERSION_FLAGS, argv, {});
  if (f['help']) return { help: undefined };
  const output = String(f['output']).trim();
  if (output === 'table' || output === 'text') return 'text';
  if (output !== 'json') throw new UsageError(`--output: want table or json, got ${JSON.stringify(output)}`);
  return output;
}

/** What `version` prints. */
export function renderVersion(info: BuildInfo, output: VersionOutput): string {
  if (output === 'json') return `${JSON.stringify({ version: info.version, commit: info.commit, nodeVersion: info.nodeVersion })}\n`;
  return `clusterset-dns ${info.version} (commit ${info.commit}, node ${info.nodeVersion})\n`;
}

export function version(argv: string[], io: Io = processIo, info: BuildInfo = readBuildInfo()): number {
  const output = parseOrExit('version', () => VERSION_HELP, parseVersionArgs, argv, io);
  if (typeof output === 'number') return output;
  io.stdout(renderVersion(info, output));
  return 0;
}
