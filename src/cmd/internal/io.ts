/**
 * Where a subcommand writes (stdout/stderr, or a test's buffers), the one
 * way every subcommand turns its argv into a command or an exit code, and
 * the one way it reports an error: a single line, never a stack trace
 * (docs/cli.md).
 */
import { apiErrorMessage } from '../../kube/errors.js';
import { UsageError, isHelp, type HelpRequest } from './flags.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Exit codes every command shares. */
export const EXIT_OK = 0;
/** The command ran and something failed: refused, unreachable, a check failed. */
export const EXIT_FAILURE = 1;
/** The command line (or a file or context it names) cannot be used; nothing was changed. */
export const EXIT_USAGE = 2;

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/**
 * The line an error becomes, and its exit code. `command` is what the user
 * typed ("coredns status"), so the hint is a command they can run. A
 * UsageError is the user's to fix (2); anything else is a failure (1),
 * reported by its message: a stack trace helps nobody who mistyped a path.
 */
export function errorLine(command: string, e: unknown): { line: string; code: number } {
  const cmd = command === '' ? 'clusterset-dns' : `clusterset-dns ${command}`;
  if (e instanceof UsageError) return { line: `${cmd}: ${oneLine(e.message)}; see ${cmd} --help\n`, code: EXIT_USAGE };
  return { line: `${cmd}: ${oneLine(apiErrorMessage(e))}\n`, code: EXIT_FAILURE };
}

/** Prints errorLine and returns its exit code. */
export function reportError(command: string, e: unknown, io: Io): number {
  const { line, code } = errorLine(command, e);
  io.stderr(line);
  return code;
}

/**
 * A subcommand's argv → its command; a usage error is printed (exit 2), and
 * a help request prints `help(action)` (exit 0): a number means "exit with
 * this". When argv starts with one of `actions`, the usage error's hint
 * points at that action's help.
 */
export function parseOrExit<C, A extends string>(
  name: string,
  help: (action: A | undefined) => string,
  parse: (argv: string[]) => C | HelpRequest<A>,
  argv: string[],
  io: Io,
  actions: readonly string[] = [],
): C | number {
  let cmd: C | HelpRequest<A>;
  try {
    cmd = parse(argv);
  } catch (e) {
    const action = argv[0] !== undefined && actions.includes(argv[0]) ? argv[0] : undefined;
    return reportError(action ? `${name} ${action}` : name, e, io);
  }
  if (isHelp(cmd)) {
    io.stdout(help(cmd.help));
    return EXIT_OK;
  }
  return cmd;
}
