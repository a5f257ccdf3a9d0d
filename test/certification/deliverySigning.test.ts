import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { maxRetryMs, outcomeOf, retryDelayMs } from '../../src/certification/delivery/backoff.js';
import { parseSignature, signPayload, verifySignature } from '../../src/certification/delivery/signature.js';
import { retryAfterMs } from '../../src/platform/http/outbound.js';

describe('webhook signing and retry schedule', () => {
  const secret = 'whsec_test-secret';
  const body = '{"batch":{"id":"6650a0c0c0c0c0c0c0c0c0c0"},"items":[]}';
  const t = 1_767_225_600; // 2026-01-01T00:00:00Z

  it('signs "<t>.<raw body>" with HMAC-SHA256 of the secret, as the documented rule says', () => {
    const header = signPayload(secret, body, t);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).to.equal(`t=${t},v1=${expected}`);
    expect(parseSignature(header)).to.deep.equal({ timestamp: t, signatures: [expected] });
  });

  it('verifies with the secret, and fails with another secret, another body or an old timestamp', () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(header, body, secret, { nowSeconds: t + 10 })).to.equal(true);
    expect(verifySignature(header, body, 'whsec_another', { nowSeconds: t + 10 })).to.equal(false);
    expect(verifySignature(header, body.replace('[]', '[1]'), secret, { nowSeconds: t + 10 })).to.equal(false);
    expect(verifySignature(header, body, secret, { nowSeconds: t + 301 })).to.equal(false);
    expect(verifySignature(undefined, body, secret, { nowSeconds: t })).to.equal(false);
    expect(verifySignature('t=abc,v1=zz', body, secret, { nowSeconds: t })).to.equal(false);
  });

  it('waits 30 s, 2 min, 8 min … after each failure, at most 6 hours, within ±20 % jitter', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 12].map((attempt) => retryDelayMs(attempt, middle))).to.deep.equal([
      30_000,
      120_000,
      480_000,
      1_920_000,
      7_680_000,
      maxRetryMs,
      maxRetryMs,
    ]);
    expect(retryDelayMs(1, () => 0)).to.equal(24_000);
    expect(retryDelayMs(1, () => 0.999_999)).to.be.within(35_999, 36_000);
    expect(retryDelayMs(20, () => 0.999_999)).to.equal(maxRetryMs);
    // A receiver's Retry-After is honoured when longer, never past the cap.
    expect(retryDelayMs(1, middle, 90_000)).to.equal(90_000);
    expect(retryDelayMs(1, middle, 10 * maxRetryMs)).to.equal(maxRetryMs);
    expect(retryAfterMs('120', 0)).to.equal(120_000);
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0)).to.equal(60_000);
    expect(retryAfterMs('soon', 0)).to.equal(0);
  });

  it('counts 2xx and 409 as delivered, retries 408/425/429/5xx, fails fast on other 4xx', () => {
    expect([200, 201, 204, 299, 409].map(outcomeOf)).to.deep.equal(Array(5).fill('delivered'));
    expect([408, 425, 429, 500, 502, 503].map(outcomeOf)).to.deep.equal(Array(6).fill('retry'));
    expect([301, 400, 401, 403, 404, 410, 413, 422].map(outcomeOf)).to.deep.equal(Array(8).fill('fail'));
  });
});
