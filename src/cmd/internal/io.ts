/**
 * Where a subcommand writes (stdout/stderr, or a test's buffers), and the
 * one way every subcommand turns its argv into a command or an exit code.
 */
import { UsageError } from './flags.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/**
 * A subcommand's argv → its command; a usage error is printed (exit 2), and
 * --help prints `help` (exit 0): a number means "exit with this".
 */
export function parseOrExit<C>(name: string, help: string, parse: (argv: string[]) => C | 'help', argv: string[], io: Io): C | number {
  let cmd: C | 'help';
  try {
    cmd = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`clusterset-dns ${name}: ${e.message}\nRun clusterset-dns ${name} --help for the flags.\n`);
      return 2;
    }
    throw e;
  }
  if (cmd === 'help') {
    io.stdout(help);
    return 0;
  }
  return cmd;
}
