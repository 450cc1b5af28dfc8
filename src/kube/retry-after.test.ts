import { expect } from 'chai';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterMsOf } from './retry-after.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('kube/retry-after', () => {
  const parses: Array<[string | undefined, number | undefined]> = [
    ['1', 1_000],
    [' 7 ', 7_000],
    ['0', 0],
    ['Mon, 30 Nov 2026 12:00:05 GMT', 5_000],
    ['Mon, 30 Nov 2026 11:59:00 GMT', 0], // already past
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, want] of parses) {
    it(`parses Retry-After ${JSON.stringify(value)} as ${want} ms`, () => expect(parseRetryAfter(value, NOW)).to.equal(want));
  }

  const refused = (code: number, headers: unknown) => Object.assign(new Error(`HTTP ${code}`), { code, headers });
  const hints: Array<[string, unknown, number | undefined]> = [
    ['a 429 from a generated client (lower-case header)', refused(429, { 'retry-after': '3' }), 3_000],
    ['a refused watch (statusCode), header in any case', Object.assign(new Error('x'), { statusCode: 429, headers: { 'Retry-After': '2' } }), 2_000],
    ['a 503 with a hint', refused(503, { 'retry-after': '1' }), 1_000],
    ['a 429 without the header', refused(429, {}), undefined],
    ['a 409 with a hint: not a request to wait (client-go checkWait)', refused(409, { 'retry-after': '5' }), undefined],
    ['a network error', Object.assign(new Error('x'), { code: 'ECONNRESET' }), undefined],
    ['a hint above the cap is cut to it', refused(429, { 'retry-after': '3600' }), MAX_RETRY_AFTER_MS],
  ];
  for (const [name, err, want] of hints) {
    it(`retryAfterMsOf: ${name}`, () => expect(retryAfterMsOf(err, NOW)).to.equal(want));
  }

  it('retryAfterMsOf: a caller cap wins over the default', () => {
    expect(retryAfterMsOf(refused(429, { 'retry-after': '20' }), NOW, 5_000)).to.equal(5_000);
  });
});
