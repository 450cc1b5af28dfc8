/**
 * The `clusterset-dns` command: wiring only. Every subcommand lives in its own
 * module; this file parses the first word and hands over.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const HELP = `clusterset-dns ${pkg.version}
Makes <svc>.<ns>.svc.clusterset.local resolve across the member clusters of a Karmada federation.

Usage:
  clusterset-dns run [flags]                       run the controller (run --help for flags)
  clusterset-dns coredns install|uninstall|status  set up CoreDNS in members (coredns --help for flags)
  clusterset-dns doctor [flags]                    check the whole chain per member (doctor --help for flags)
  clusterset-dns karmada install|status|uninstall  the retention rule in Karmada; uninstall (karmada --help)
  clusterset-dns version [-o json]                 print the version and the commit it was built from
  clusterset-dns help                              print this help
`;

export async function main(argv: string[]): Promise<number> {
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
    case 'version':
    case '--version':
      return (await import('./version.js')).version(argv.slice(1));
    default:
      process.stderr.write(`clusterset-dns: unknown command "${cmd}"\n\n${HELP}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
