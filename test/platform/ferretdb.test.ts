import { expect } from 'chai';
import mongoose from 'mongoose';
import { connectedToFerretdb } from '../../src/platform/db/connect.js';
import { useTestDatabase } from '../support/database.js';
import { itemsRankedAbove } from '../support/scanningQuery.js';

/**
 * What the FerretDB adapter promises (src/platform/db/ferretdbAdapter.ts), checked on the test
 * database: atomic updates under concurrency, `$in`/`$or` answered from indexes with MongoDB's
 * results, and a loud failure for a query that would read a whole collection. On MongoDB
 * (TEST_MONGODB_URI) the same results hold without the adapter.
 */
const counterSchema = new mongoose.Schema({ _id: String, count: Number, tags: [String] }, { versionKey: false });
const Counter = mongoose.model('TestCounter', counterSchema);

const itemSchema = new mongoose.Schema(
  { code: String, group: String, rank: Number, labels: [String], note: String },
  { versionKey: false },
);
itemSchema.index({ group: 1, rank: 1 });
itemSchema.index({ code: 1 }, { unique: true });
itemSchema.index({ labels: 1 });
const Item = mongoose.model('TestItem', itemSchema);

describe('database adapter: atomic updates, indexed $in and $or, the query guard', () => {
  useTestDatabase(import.meta.url);

  before(async () => {
    await Promise.all([Counter.init(), Item.init()]);
    await Item.insertMany(
      Array.from({ length: 60 }, (_, index) => ({
        code: `I${String(index).padStart(2, '0')}`,
        group: `g${index % 6}`,
        rank: (index * 7) % 60,
        labels: [`l${index % 4}`, `l${(index + 1) % 4}`],
        note: index % 2 ? 'ganjil' : 'genap',
      })),
    );
  });

  it('keeps every one of 50 concurrent $inc and 40 concurrent $addToSet on one document', async () => {
    await Counter.create({ _id: 'c', count: 0, tags: [] });
    await Promise.all(Array.from({ length: 50 }, () => Counter.updateOne({ _id: 'c' }, { $inc: { count: 1 } })));
    await Promise.all(
      Array.from({ length: 40 }, (_, index) => Counter.updateOne({ _id: 'c' }, { $addToSet: { tags: `t${index}` } })),
    );
    const counter = await Counter.findById('c').lean<{ count: number; tags: string[] }>();
    expect(counter?.count).to.equal(50);
    expect(counter?.tags).to.have.length(40);
  });

  it('answers $in with sort, skip, limit and projection as MongoDB does', async () => {
    const codes = ['I03', 'I10', 'I10', 'I41', 'I59', 'nope'];
    const found = await Item.find({ code: { $in: codes } }, { code: 1, rank: 1, _id: 0 })
      .sort({ rank: -1 })
      .skip(1)
      .limit(2)
      .lean();
    // ranks: I03 21, I10 10, I41 47, I59 53 -> by rank descending, skip one, take two
    expect(found).to.deep.equal([
      { code: 'I41', rank: 47 },
      { code: 'I03', rank: 21 },
    ]);
    expect(await Item.countDocuments({ code: { $in: codes } })).to.equal(4);
    expect(
      await Item.findOne({ code: { $in: ['I07', 'I08'] } })
        .sort({ code: -1 })
        .lean(),
    ).to.include({ code: 'I08' });
  });

  it('returns each document once when an array field matches several values', async () => {
    const found = await Item.find({ labels: { $in: ['l0', 'l1'] } }, { code: 1 }).lean();
    // l0 or l1: index % 4 in {0, 1} or (index + 1) % 4 in {0, 1}, i.e. every index but those ≡ 2 (mod 4)
    expect(found).to.have.length(45);
    expect(new Set(found.map((item) => item.code)).size).to.equal(45);
    expect(await Item.countDocuments({ labels: { $in: ['l0', 'l1'] } })).to.equal(45);
    expect((await Item.distinct('group', { labels: { $in: ['l0', 'l1'] } })).sort()).to.deep.equal([
      'g0',
      'g1',
      'g2',
      'g3',
      'g4',
      'g5',
    ]);
  });

  it('answers $or of indexed branches, and updates and deletes through a split filter', async () => {
    const found = await Item.find({ $or: [{ code: 'I01' }, { group: 'g2', note: 'genap' }] }, { code: 1 })
      .sort({ code: 1 })
      .lean();
    expect(found.map((item) => item.code)).to.deep.equal([
      'I01',
      'I02',
      'I08',
      'I14',
      'I20',
      'I26',
      'I32',
      'I38',
      'I44',
      'I50',
      'I56',
    ]);
    const updated = await Item.updateMany({ code: { $in: ['I01', 'I02', 'I99'] } }, { $set: { note: 'diubah' } });
    expect([updated.matchedCount, updated.modifiedCount]).to.deep.equal([2, 2]);
    expect(await Item.countDocuments({ group: 'g1', note: 'diubah' })).to.equal(1);
    const deleted = await Item.deleteMany({ code: { $in: ['I58', 'I59'] } });
    expect(deleted.deletedCount).to.equal(2);
    expect(await Item.countDocuments({ group: 'g4' })).to.equal(9);
  });

  it('applies a bulk write of 60 updates (FerretDB alone hangs past 40 statements)', async function () {
    this.timeout(20_000);
    const result = await Item.bulkWrite(
      Array.from({ length: 60 }, (_, index) => ({
        updateOne: { filter: { code: `I${String(index).padStart(2, '0')}` }, update: { $set: { note: `bulk ${index}` } } },
      })),
      { ordered: false },
    );
    expect([result.matchedCount, result.modifiedCount]).to.deep.equal([58, 58]); // I58 and I59 were deleted above
    expect(await Item.findOne({ code: 'I47' }, { note: 1, _id: 0 }).lean()).to.deep.equal({ note: 'bulk 47' });
  });

  it('fails loudly, naming the query, when FerretDB would read a whole collection', async () => {
    const error = await itemsRankedAbove(Item, 10).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    if (connectedToFerretdb()) {
      expect(error?.message).to.contain('Query reads the whole collection on FerretDB: testitems.find({"rank":{"$gt":"?"}})');
    } else {
      expect(error, 'MongoDB plans every filter itself').to.equal(undefined);
    }
    expect(await Item.countDocuments({ rank: { $gt: 10 } }, { comment: 'scan: a test that means it' })).to.equal(47);
  });

  it('finishes 300 concurrent finds of whole results (no cursor holds the pool)', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, (_, index) => Item.find({ group: `g${index % 6}` }).lean()));
    expect(results.every((items) => items.length >= 9)).to.equal(true);
  });
});
