import { expect } from 'chai';
import { apiErrorMessage, httpStatusOf, isConflict, isForbidden, isNotFound, parseStatus, undefinedIfNotFound } from './errors.js';

describe('kube/errors', () => {
  it('parses a Status body given as JSON text, an object or plain text', () => {
    const cases: Array<[unknown, ReturnType<typeof parseStatus>]> = [
      ['{"kind":"Status","message":"m","reason":"Conflict","code":409}', { message: 'm', reason: 'Conflict', code: 409 }],
      [{ message: 'm', code: 404 }, { message: 'm', code: 404 }],
      ['  upstream connect error  ', { message: 'upstream connect error' }],
      ['', undefined],
      [undefined, undefined],
      [42, undefined],
    ];
    for (const [body, want] of cases) expect(parseStatus(body), JSON.stringify(body)).to.deep.equal(want);
  });

  it('reads the HTTP status of ApiException, Watch errors and nothing else', () => {
    expect(httpStatusOf({ code: 409 })).to.equal(409);
    expect(httpStatusOf({ statusCode: 410 })).to.equal(410);
    expect(httpStatusOf({ code: 'ECONNREFUSED' })).to.equal(undefined);
    expect(httpStatusOf(null)).to.equal(undefined);
    expect(isConflict({ code: 409 })).to.equal(true);
    expect(isNotFound({ statusCode: 404 })).to.equal(true);
    expect(isForbidden({ code: 403 })).to.equal(true);
    expect(isConflict({ code: '409' })).to.equal(false);
  });

  it('passes the API server message through with the code and reason', () => {
    const e = { code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'serviceimports is forbidden: User "x" cannot list' }) };
    expect(apiErrorMessage(e)).to.equal('HTTP 403 Forbidden: serviceimports is forbidden: User "x" cannot list');
    expect(apiErrorMessage(new Error('socket hang up'))).to.equal('socket hang up');
    expect(apiErrorMessage('plain')).to.equal('plain');
    // node-fetch's rejection when a call's signal aborts: it says "The user aborted a request."
    expect(apiErrorMessage(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }))).to.equal("no answer before the call's deadline (or cancelled while stopping)");
  });

  it('turns a 404 into undefined and lets every other error through', async () => {
    expect(await undefinedIfNotFound(() => Promise.resolve('x'))).to.equal('x');
    expect(await undefinedIfNotFound(() => Promise.reject(Object.assign(new Error('nf'), { code: 404 })))).to.equal(undefined);
    let thrown: unknown;
    await undefinedIfNotFound(() => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 }))).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(Error).with.property('message', 'forbidden');
  });
});
