/**
 * The data plane's network on this machine's kernel (test/env/dataplane):
 * made and removed with its own namespace prefix, beside any running
 * environment. Shows that the nodes reach each other over the fabric, that
 * nothing is added to the host's own namespace, and that removal leaves no
 * namespace, link or /etc/netns directory behind — what `env:down` relies on.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createNetwork, ip, ownNamespaces, removeNetwork } from '../env/dataplane/netns.js';
import { fabricNs, nodeNetworks } from '../env/dataplane/topology.js';

const run = promisify(execFile);
const PREFIX = 'csdnsit-';

const hostLinks = async () => (await ip(['-o', 'link', 'show'])).split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter((l) => l !== '').sort();

describe('data plane network (integration, network namespaces)', function () {
  this.timeout(60_000);
  const nodes = nodeNetworks(['dpa', 'dpb'], PREFIX);
  const [a, b] = nodes as [typeof nodes[0], typeof nodes[0]];
  let linksBefore: string[] = [];

  before(async () => {
    await removeNetwork(PREFIX);
    linksBefore = await hostLinks();
    await createNetwork(nodes, PREFIX);
  });
  after(async () => {
    await removeNetwork(PREFIX);
  });

  it('makes a fabric and one namespace per node, and no link in the host\'s namespace', async () => {
    expect((await ownNamespaces(PREFIX)).sort()).to.deep.equal([fabricNs(PREFIX), a.nodeNs, b.nodeNs].sort());
    expect(await hostLinks()).to.deep.equal(linksBefore);
    const forward = await run('ip', ['netns', 'exec', a.nodeNs, 'sysctl', '-n', 'net.ipv4.ip_forward']);
    expect(forward.stdout.trim(), 'a node routes between its pods and the fabric').to.equal('1');
  });

  it('routes a node to the other node\'s pod CIDR over the fabric', async () => {
    // A listener on node b's gateway address (inside b's pod CIDR), reached from node a.
    const listener = spawn('ip', ['netns', 'exec', b.nodeNs, 'socat', `TCP4-LISTEN:9000,bind=${b.gateway},reuseaddr`, 'SYSTEM:echo from-b'], { stdio: 'ignore' });
    try {
      let answer = '';
      for (let i = 0; i < 50 && answer === ''; i++) {
        answer = await run('ip', ['netns', 'exec', a.nodeNs, 'socat', '-T', '2', '-', `TCP4:${b.gateway}:9000`], { timeout: 5_000 }).then((r) => r.stdout.trim(), () => '');
        if (answer === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer).to.equal('from-b');
    } finally {
      listener.kill('SIGKILL');
    }
  });

  it('removes every namespace, its links and its /etc/netns directory, also after a crash left processes inside', async () => {
    // What a crashed run leaves: a process still inside a node namespace, and a pod's resolv.conf directory.
    const stray = spawn('ip', ['netns', 'exec', a.nodeNs, 'sleep', '600'], { stdio: 'ignore' });
    mkdirSync(`/etc/netns/${a.nodeNs}`, { recursive: true });
    writeFileSync(`/etc/netns/${a.nodeNs}/resolv.conf`, `nameserver ${a.gateway}\n`);
    await new Promise((r) => setTimeout(r, 200));

    const removed = await removeNetwork(PREFIX);
    expect(removed.sort()).to.deep.equal([fabricNs(PREFIX), a.nodeNs, b.nodeNs].sort());
    expect(await ownNamespaces(PREFIX)).to.deep.equal([]);
    expect(existsSync(`/etc/netns/${a.nodeNs}`)).to.equal(false);
    expect(await hostLinks()).to.deep.equal(linksBefore);
    await new Promise<void>((resolve) => (stray.exitCode !== null || stray.signalCode !== null ? resolve() : stray.once('exit', () => resolve())));
    expect(stray.signalCode, 'the process left inside was killed').to.equal('SIGKILL');
  });
});
