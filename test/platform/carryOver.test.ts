import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { startEmbeddedDatabase } from '../../src/platform/db/embedded.js';
import { locateFerretdb } from '../../src/platform/db/ferretdb.js';
import { startFerretdb } from '../../src/platform/db/ferretdbServer.js';

/**
 * A DATA_DIR made by the version that ran FerretDB on SQLite (`DATA_DIR/ferretdb`) is carried
 * over to PostgreSQL on the first start: every database, collection, index and document, with
 * progress lines; the SQLite files are kept, renamed, once the copy is verified.
 */
describe('carrying over a SQLite DATA_DIR to PostgreSQL', function () {
  this.timeout(180_000);
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-carry-'));
    // What the previous version ran: FerretDB's SQLite backend with its files in DATA_DIR/ferretdb.
    const folder = path.join(dataDir, 'ferretdb');
    const binary = await locateFerretdb(process.env.FERRETDB_BIN, pino({ level: 'silent' }));
    const old = await startFerretdb({ binary, stateDir: folder, backend: { sqlite: folder } });
    const client = await MongoClient.connect(old.uri);
    try {
      const kompeten = client.db('kompeten');
      await kompeten.collection('users').createIndex({ email: 1 }, { unique: true });
      await kompeten.collection('enrollments').createIndex({ cohort: 1, status: 1 });
      await kompeten.collection('users').insertMany([
        { email: 'peserta1@kompeten.test', name: 'Siti Rahma', createdAt: new Date('2026-10-01T08:00:00Z') },
        { email: 'koordinator@kompeten.test', name: 'Budi Santoso', roles: ['coordinator'], score: 12.5 },
      ]);
      const enrolments = Array.from({ length: 2_500 }, (_, n) => ({
        _id: `c${n % 50}:t${n}`,
        cohort: `c${n % 50}`,
        status: n % 10 ? 'enrolled' : 'withdrawn',
        progress: { completed: [`l${n % 7}`], position: n / 3 },
      }));
      await kompeten.collection<{ _id: string }>('enrollments').insertMany(enrolments);
      await client.db('kompeten_archive').collection('notes').insertOne({ text: 'arsip' });
    } finally {
      await client.close();
      await old.stop();
    }
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('copies every database, collection, index and document, verifies them, and keeps the old files', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).msg) });
    const database = await startEmbeddedDatabase({ dataDir, durable: false, log });
    try {
      expect(database.backend).to.equal('postgresql');
      expect(lines.some((line) => line.startsWith('Carrying over the SQLite data'))).to.equal(true);
      expect(lines).to.include('Carried over kompeten.enrollments: 2500 documents, 1 indexes');
      expect(lines).to.include('Carried over and verified kompeten: 2 collections');
      expect(lines).to.include('Carried over and verified kompeten_archive: 1 collections');

      const client = await MongoClient.connect(database.uri);
      try {
        const kompeten = client.db('kompeten');
        expect(await kompeten.collection('enrollments').countDocuments({ cohort: 'c7' })).to.equal(50);
        expect(await kompeten.collection('enrollments').findOne({ _id: 'c3:t1253' as never })).to.deep.equal({
          _id: 'c3:t1253',
          cohort: 'c3',
          status: 'enrolled',
          progress: { completed: ['l0'], position: 1253 / 3 },
        });
        const user = await kompeten.collection('users').findOne({ email: 'peserta1@kompeten.test' }, { projection: { _id: 0 } });
        expect(user).to.deep.equal({
          email: 'peserta1@kompeten.test',
          name: 'Siti Rahma',
          createdAt: new Date('2026-10-01T08:00:00Z'),
        });
        const duplicate = await kompeten
          .collection('users')
          .insertOne({ email: 'peserta1@kompeten.test' })
          .then(
            () => undefined,
            (error: { code?: number }) => error.code,
          );
        expect(duplicate, 'the unique index came along').to.equal(11000);
        expect(
          await client
            .db('kompeten_archive')
            .collection('notes')
            .findOne({}, { projection: { _id: 0 } }),
        ).to.deep.equal({
          text: 'arsip',
        });
      } finally {
        await client.close();
      }
      const kept = (await readdir(dataDir)).filter((name) => name.startsWith('ferretdb-sqlite-carried-over-'));
      expect(kept, 'the SQLite files are kept').to.have.length(1);
      expect(await readdir(path.join(dataDir, kept[0]!))).to.include('kompeten.sqlite');
      expect(await readdir(dataDir)).not.to.include('ferretdb');
    } finally {
      await database.stop();
    }

    lines.length = 0;
    const again = await startEmbeddedDatabase({ dataDir, durable: false, log });
    try {
      expect(
        lines.filter((line) => line.includes('Carr')),
        'nothing to carry over the second time',
      ).to.deep.equal([]);
      const client = await MongoClient.connect(again.uri);
      expect(await client.db('kompeten').collection('enrollments').countDocuments({ status: 'withdrawn' })).to.equal(250);
      await client.close();
    } finally {
      await again.stop();
    }
  });
});
