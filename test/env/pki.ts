/**
 * Certificates and keys for the local environment. Node cannot mint X.509
 * certificates (node:crypto reads them only), so this shells out to openssl (Debian's `openssl` package,
 * present on the machine image). One CA signs every serving certificate (all
 * servers listen on 127.0.0.1), so one `certificate-authority` works for every
 * kubeconfig; the aggregation layer's front proxy gets its own CA, as
 * kube-apiserver requires (--requestheader-client-ca-file).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  saPublicKey: string;
  saPrivateKey: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || String(e)}`);
  }
}

function newCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', `/CN=${cn}`,
    '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function signed(dir: string, ca: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '3650', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
}

/** Creates the PKI under `dir` once; later calls reuse it. */
export function ensurePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const pki: Pki = {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    frontProxyCaCert: join(dir, 'front-proxy-ca.crt'),
    frontProxyClientCert: join(dir, 'front-proxy-client.crt'),
    frontProxyClientKey: join(dir, 'front-proxy-client.key'),
    saPublicKey: join(dir, 'sa.pub'),
    saPrivateKey: join(dir, 'sa.key'),
  };
  if (existsSync(join(dir, '.complete'))) return pki;
  newCa(dir, 'ca', 'clusterset-dns-local-ca');
  // SANs cover what clients dial (127.0.0.1, localhost) and the in-cluster
  // names kube-apiserver itself expects on its serving certificate.
  signed(dir, 'ca', 'serving', '127.0.0.1', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    // The aggregator verifies the aggregated apiserver against its Service's DNS name.
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:karmada-aggregated-apiserver.karmada-system.svc',
    '',
  ].join('\n'));
  newCa(dir, 'front-proxy-ca', 'front-proxy-ca');
  signed(dir, 'front-proxy-ca', 'front-proxy-client', 'front-proxy-client', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
    '',
  ].join('\n'));
  const sa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(pki.saPublicKey, sa.publicKey);
  writeFileSync(pki.saPrivateKey, sa.privateKey);
  writeFileSync(join(dir, '.complete'), '');
  return pki;
}
