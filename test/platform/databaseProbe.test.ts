import { expect } from 'chai';
import { createDatabaseProbe } from '../../src/platform/db/health.js';
import { testDatabaseUri } from '../support/database.js';

/**
 * The probe behind 503s and /healthz: many requests asking at once (a whole class starting a quiz,
 * each request past its deadline asking whether the database is down) must not turn a busy but
 * answering database into "down".
 */
describe('database probe', () => {
  it('answers "up" to a thousand requests asking at the same moment', async () => {
    const probe = createDatabaseProbe(testDatabaseUri('test_probe'));
    try {
      expect(await probe.isUp()).to.equal(true);
      // A short timeout, as a ping queued behind a thousand others on one connection would miss.
      const answers = await Promise.all(Array.from({ length: 1_000 }, () => probe.isUp(300)));
      expect(answers.filter((up) => !up)).to.have.length(0);
    } finally {
      await probe.close();
    }
  });
});
