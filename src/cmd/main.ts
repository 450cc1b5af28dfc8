/**
 * The `clusterset-dns` command: wiring only. Every subcommand lives in its own
 * module; this file parses the first word and hands over, and turns anything a
 * subcommand let escape into one line and an exit code (docs/cli.md), never a
 * stack trace.
 */
import { readFileSync } from 'node:fs';
import { EXIT_USAGE, processIo, reportError } from './internal/io.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `clusterset-dns ${pkg.version}
Makes <svc>.<ns>.svc.clusterset.local resolve across the member clusters of a Karmada federation.

Usage:
  clusterset-dns run [flags]                       run the controller (run --help for flags)
  clusterset-dns coredns install|uninstall|status  set up CoreDNS in members (coredns --help for flags)
  clusterset-dns doctor [flags]                    check the whole chain per member (doctor --help for flags)
  clusterset-dns crds check|install                the MCS CRDs in members: flavour, or install mcs-api's (crds --help)
  clusterset-dns karmada install|status|uninstall  the retention rule in Karmada; uninstall (karmada --help)
  clusterset-dns version [-o json]                 print the version and the commit it was built from
  clusterset-dns help                              print this help

Every command takes -h/--help; coredns, crds, doctor and karmada take -o json. Exit codes: 0 ok,
1 failed, 2 usage. Conventions: docs/cli.md.
`;

async function dispatch(argv: string[]): Promise<number> {
  const [cmd] = argv;
  switch (cmd) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    case 'run':
      return (await import('./run.js')).run(argv.slice(1));
    case 'coredns':
      return (await import('./coredns.js')).coredns(argv.slice(1));
    case 'doctor':
      return (await import('./doctor.js')).doctor(argv.slice(1));
    case 'karmada':
      return (await import('./karmada.js')).karmada(argv.slice(1));
    case 'crds':
      return (await import('./crds.js')).crds(argv.slice(1));
    case 'version':
    case '--version':
      return (await import('./version.js')).version(argv.slice(1));
    default:
      process.stderr.write(`clusterset-dns: unknown command ${JSON.stringify(cmd)}; want run, coredns, crds, doctor, karmada or version; see clusterset-dns --help\n`);
      return EXIT_USAGE;
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (e) {
    // A subcommand reports its own errors; this is the net under them.
    const known = ['run', 'coredns', 'crds', 'doctor', 'karmada'];
    return reportError(known.includes(argv[0] ?? '') ? (argv[0] ?? '') : '', e, processIo);
  }
}

process.exitCode = await main(process.argv.slice(2));
