import { expect } from 'chai';
import mongoose from 'mongoose';
import { Cohort } from '../../src/cohorts/model.js';
import { Intake } from '../../src/counselling/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { connectedToFerretdb } from '../../src/platform/db/connect.js';
import { ProgramVersion, PublishedLesson } from '../../src/programs/model.js';
import { User } from '../../src/users/model.js';
import { useTestDatabase } from '../support/database.js';

type Shape = {
  name: string;
  collection: () => mongoose.Collection;
  filter: () => Record<string, unknown>;
  seed: (n: number) => object;
};

const ids = Array.from({ length: 40 }, () => new mongoose.Types.ObjectId());
const pick = (n: number) => ids[n % ids.length] as mongoose.Types.ObjectId;

/**
 * The query shapes of the hot paths (My learning, a lesson, a completion, the dashboard, the
 * roster, the counselling queue, the session of every request), as the code sends them after the
 * adapter has split `$in`. PostgreSQL's own plan (through FerretDB's explain, which builds the
 * same SQL as the query) must use an index, with a few thousand documents in each collection.
 */
const shapes: Shape[] = [
  {
    name: 'session of a request: sessions by _id',
    collection: () => mongoose.connection.collection('sessions'),
    filter: () => ({ _id: 's-17' }),
    seed: (n) => ({ _id: `s-${n}`, session: '{}', expires: new Date(), expiresOn: '2026-12-01' }),
  },
  {
    name: 'the logged-in user: users by _id',
    collection: () => User.collection,
    filter: () => ({ _id: pick(7) }),
    seed: (n) => ({ _id: n < ids.length ? pick(n) : new mongoose.Types.ObjectId(), email: `u${n}@x.test`, name: `U ${n}` }),
  },
  {
    name: 'My learning and the dashboard: enrolments by trainee',
    collection: () => Enrollment.collection,
    filter: () => ({ trainee: pick(3) }),
    seed: (n) => ({
      _id: `e-${n}`,
      trainee: n % 100 === 5 ? new mongoose.Types.ObjectId() : pick(n),
      cohort: n % 100 === 5 ? pick(5) : new mongoose.Types.ObjectId(),
      institution: pick(0),
      status: 'enrolled',
    }),
  },
  {
    name: 'a lesson and a completion: the enrolment by _id',
    collection: () => Enrollment.collection,
    filter: () => ({ _id: 'e-1234' }),
    seed: () => ({}),
  },
  {
    name: 'the roster: enrolments of a cohort',
    collection: () => Enrollment.collection,
    filter: () => ({ cohort: pick(5) }),
    seed: () => ({}),
  },
  {
    name: 'a cohort by _id',
    collection: () => Cohort.collection,
    filter: () => ({ _id: pick(9) }),
    seed: (n) => ({ _id: n < ids.length ? pick(n) : new mongoose.Types.ObjectId(), institution: pick(n), status: 'running' }),
  },
  {
    name: 'the version a cohort runs, by _id',
    collection: () => ProgramVersion.collection,
    filter: () => ({ _id: 'p:1' }),
    seed: (n) => ({ _id: `p:${n}`, program: pick(n), version: 1 }),
  },
  {
    name: "a published lesson's text, by _id",
    collection: () => PublishedLesson.collection,
    filter: () => ({ _id: 'l-99' }),
    seed: (n) => ({ _id: `l-${n}`, html: '<p>x</p>' }),
  },
  {
    name: 'the counselling queue: intakes waiting at a centre',
    collection: () => Intake.collection,
    filter: () => ({ institution: pick(2), status: 'waiting' }),
    seed: (n) => ({ _id: new mongoose.Types.ObjectId(), institution: pick(n), status: n % 3 ? 'done' : 'waiting' }),
  },
];

describe('indexes on the embedded PostgreSQL', () => {
  useTestDatabase(import.meta.url);

  before(async function () {
    this.timeout(120_000);
    const seeded = new Set<string>();
    for (const shape of shapes) {
      const collection = shape.collection();
      if (seeded.has(collection.collectionName)) continue;
      seeded.add(collection.collectionName);
      const documents = Array.from({ length: 3_000 }, (_, n) => shape.seed(n));
      for (let start = 0; start < documents.length; start += 1_000) {
        await collection.insertMany(documents.slice(start, start + 1_000) as never[]);
      }
    }
  });

  for (const shape of shapes) {
    it(`serves ${shape.name} from an index`, async () => {
      const collection = shape.collection();
      const plan = await mongoose.connection.db!.command({
        explain: { find: collection.collectionName, filter: shape.filter() },
        verbosity: 'queryPlanner',
      });
      if (!connectedToFerretdb()) {
        expect(JSON.stringify(plan.queryPlanner.winningPlan)).to.contain('IXSCAN');
        return;
      }
      const text = JSON.stringify(plan.queryPlanner);
      expect(plan.filterPushdown, 'the filter reaches PostgreSQL').to.equal(true);
      expect(text, 'no sequential scan').not.to.contain('"Node Type":"Seq Scan"');
      expect(text, 'a GIN twin of a declared index is used').to.match(/"Index Name":"[^"]+_gin"/);
    });
  }
});
