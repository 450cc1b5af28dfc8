import { expect } from 'chai';
import { Writable } from 'node:stream';
import { resolveLevel } from './log-level.js';
import { CENSOR, createLogger, reconcileLogger, scrubBearer, withContext, type Logger } from './logging.js';

/** A destination that keeps every line, parsed, plus the raw text for "never appears" checks. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const raw = () => chunks.join('');
  return {
    stream,
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.s3cr3t-t0ken-value';

function newLogger(level = 'trace'): { log: Logger; out: ReturnType<typeof capture> } {
  const out = capture();
  return { log: createLogger({ level, destination: out.stream, env: {} }), out };
}

describe('runtime/logging', () => {
  describe('resolveLevel', () => {
    const cases: { name: string; level?: string; env: Record<string, string>; want: string | RegExp }[] = [
      { name: 'defaults to info', env: {}, want: 'info' },
      { name: 'reads LOG_LEVEL', env: { LOG_LEVEL: 'debug' }, want: 'debug' },
      { name: 'is case-insensitive', env: { LOG_LEVEL: 'WARN' }, want: 'warn' },
      { name: 'option wins over env', level: 'error', env: { LOG_LEVEL: 'debug' }, want: 'error' },
      { name: 'silent is allowed', env: { LOG_LEVEL: 'silent' }, want: 'silent' },
      { name: 'empty means default', env: { LOG_LEVEL: '' }, want: 'info' },
      { name: 'unknown level throws', env: { LOG_LEVEL: 'verbose' }, want: /invalid log level "verbose".*debug/ },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const run = () => resolveLevel({ ...(c.level !== undefined ? { level: c.level } : {}), env: c.env });
        if (c.want instanceof RegExp) expect(run).to.throw(c.want);
        else expect(run()).to.equal(c.want);
      });
    }
  });

  it('writes one JSON object per line with level, time and msg', () => {
    const { log, out } = newLogger('info');
    log.debug('hidden');
    log.info({ key: 'ns/x' }, 'queued');
    const lines = out.lines();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 30, key: 'ns/x', msg: 'queued' });
    expect(lines[0]?.['time']).to.be.a('string').and.match(/^\d{4}-\d\d-\d\dT/);
  });

  it('puts errors under err with type, message and stack', () => {
    const { log, out } = newLogger();
    const err = Object.assign(new Error('conflict'), { code: 409 });
    log.error({ err }, 'write failed');
    const line = out.lines()[0]!;
    const e = line['err'] as Record<string, unknown>;
    expect(e).to.include({ type: 'Error', message: 'conflict', code: 409 });
    expect(e['stack']).to.be.a('string').and.include('conflict');
  });

  it('binds controller-runtime context keys in child loggers, leaving out undefined ones', () => {
    const { log, out } = newLogger();
    const ctl = withContext(log, { controller: 'serviceimport', cluster: undefined });
    reconcileLogger(ctl, { namespace: 'default', name: 'web', cluster: 'member1' }, 'rid-1').info('reconciling');
    const line = out.lines()[0]!;
    expect(line).to.include({ controller: 'serviceimport', cluster: 'member1', namespace: 'default', name: 'web', reconcileID: 'rid-1' });
    expect(ctl.bindings()).to.not.have.property('cluster');
  });

  it('gives each reconcile a fresh reconcileID by default', () => {
    const { log } = newLogger();
    const a = reconcileLogger(log, { name: 'x' }).bindings()['reconcileID'];
    const b = reconcileLogger(log, { name: 'x' }).bindings()['reconcileID'];
    expect(a).to.be.a('string').and.not.equal(b);
  });

  describe('never writes a token', () => {
    const cases: { name: string; write: (log: Logger) => void }[] = [
      { name: 'top-level token', write: (l) => l.info({ token: TOKEN }, 'x') },
      { name: 'nested token (cluster secret ref)', write: (l) => l.info({ cluster: { token: TOKEN } }, 'x') },
      { name: 'two levels down', write: (l) => l.info({ member: { creds: { token: TOKEN } } }, 'x') },
      { name: 'Secret data', write: (l) => l.info({ secret: { metadata: { name: 's' }, data: { token: Buffer.from(TOKEN).toString('base64') } } }, 'x') },
      { name: 'data at the top', write: (l) => l.info({ data: { anything: TOKEN } }, 'x') },
      { name: 'stringData', write: (l) => l.info({ obj: { stringData: { token: TOKEN } } }, 'x') },
      { name: 'caBundle', write: (l) => l.info({ spec: { caBundle: TOKEN } }, 'x') },
      { name: 'Authorization header', write: (l) => l.info({ headers: { authorization: `Bearer ${TOKEN}` } }, 'x') },
      { name: 'Authorization header of a request', write: (l) => l.info({ req: { headers: { Authorization: `Bearer ${TOKEN}` } } }, 'x') },
      { name: 'kubeconfig user', write: (l) => l.info({ user: { 'client-key-data': TOKEN } }, 'x') },
      { name: 'bearer in a string value', write: (l) => l.info({ curl: `curl -H "Authorization: Bearer ${TOKEN}" https://x` }, 'x') },
      { name: 'bearer in an array of strings', write: (l) => l.info({ args: ['-H', `Authorization: Bearer ${TOKEN}`] }, 'x') },
      { name: 'bearer in the message', write: (l) => l.info(`sending Authorization: Bearer ${TOKEN}`) },
      { name: 'bearer in an error message', write: (l) => l.error({ err: new Error(`401 for bearer ${TOKEN}`) }, 'x') },
      {
        name: 'token on an error object',
        write: (l) => l.error({ err: Object.assign(new Error('boom'), { headers: { authorization: `Bearer ${TOKEN}` } }) }, 'x'),
      },
      { name: 'child bindings', write: (l) => l.child({ token: TOKEN }).info('x') },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const { log, out } = newLogger();
        c.write(log);
        expect(out.raw()).to.not.equal('');
        expect(out.raw()).to.not.include(TOKEN);
        expect(out.raw()).to.not.include(Buffer.from(TOKEN).toString('base64'));
        expect(out.raw()).to.include(CENSOR);
      });
    }
  });

  it('does not modify the objects it logs', () => {
    const { log } = newLogger();
    const obj = { curl: `Bearer ${TOKEN}`, nested: { token: TOKEN } };
    log.info(obj, 'x');
    expect(obj).to.deep.equal({ curl: `Bearer ${TOKEN}`, nested: { token: TOKEN } });
  });

  it('scrubBearer masks only the token', () => {
    expect(scrubBearer(`Authorization: Bearer ${TOKEN}`)).to.equal(`Authorization: Bearer ${CENSOR}`);
    expect(scrubBearer('no secrets here')).to.equal('no secrets here');
  });
});
