import { expect } from 'chai';
import { isBusy, retryWhenBusy } from '../../src/platform/db/busy.js';

// FerretDB's answer to a write while SQLite is locked by another (seen with 50,000 enrolments).
const busy = new Error(
  '[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)',
);

describe('writes refused by a busy embedded database', () => {
  it('are tried again until they go through', async () => {
    let calls = 0;
    const result = await retryWhenBusy(async () => {
      calls += 1;
      if (calls < 3) throw busy;
      return 'written';
    });
    expect([result, calls]).to.deep.equal(['written', 3]);
  });

  it('give up after a few attempts, and never repeat a write that failed for another reason', async () => {
    let calls = 0;
    const always = await retryWhenBusy(async () => {
      calls += 1;
      throw busy;
    }, 3).catch((error) => error);
    expect([isBusy(always), calls]).to.deep.equal([true, 3]);
    calls = 0;
    const duplicate = Object.assign(new Error('E11000 duplicate key'), { code: 11000 });
    const other = await retryWhenBusy(async () => {
      calls += 1;
      throw duplicate;
    }).catch((error) => error);
    expect([other, calls]).to.deep.equal([duplicate, 1]);
  });
});
