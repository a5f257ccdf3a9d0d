import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { z } from 'zod';
import { csvFile } from '../src/platform/csv.js';
import {
  defineExport,
  type ExportColumn,
  type ExportFormat,
  exportTable,
  keysetDocuments,
  keysetPages,
  writeExport,
} from '../src/platform/exports/index.js';

/**
 * The export benchmark: 100,000 enrolment-like rows (200 cohorts of 500) in a scratch collection,
 * exported whole as CSV and as XLSX through the streaming path (platform/exports: keyset pages per
 * cohort into the streaming writers, to a file as a background job writes it), beside the direct
 * scan the app's small exports use (one find into memory, then csvFile in one go), measured in the
 * same run. Peak RSS and heap are sampled every 20 ms during each; their growth is over the value
 * at its start. Also: what one keyset page costs when the whole 100,000 match one indexed value
 * (an institution-wide read), which FerretDB answers by reading them all for every page.
 *
 * `npm run bench` runs it after the others; `npx tsx bench/exports.ts` alone on its own database.
 */
const cohorts = Number(process.env.BENCH_EXPORT_COHORTS ?? 200);
const perCohort = 500;
const insertChunk = 5000;

const rowSchema = new mongoose.Schema(
  {
    institution: { type: String, index: true },
    cohort: { type: String, index: true },
    name: String,
    email: String,
    status: String,
    lessonsDone: Number,
    score: Number,
    appliedAt: Date,
    lastActivityAt: Date,
  },
  { collection: 'bench_export_rows', versionKey: false },
);
const BenchRow = mongoose.model('BenchExportRow', rowSchema);

const columns: ExportColumn[] = [
  { key: 'cohort', header: 'Angkatan' },
  { key: 'name', header: 'Nama peserta' },
  { key: 'email', header: 'Email' },
  { key: 'status', header: 'Status' },
  { key: 'lessonsDone', header: 'Materi selesai', type: 'number' },
  { key: 'score', header: 'Nilai', type: 'number' },
  { key: 'appliedAt', header: 'Mendaftar', type: 'date' },
  { key: 'lastActivityAt', header: 'Aktif terakhir', type: 'date' },
];
const projection = Object.fromEntries(columns.map((column) => [column.key, 1 as const]));

const names = ['Siti Nurhaliza', 'Budi Santoso', 'Dewi Lestari', 'Ñoman Ayu', 'Rizky Pratama', '=Agus "Pak" Salim'];
const statuses = ['active', 'enrolled', 'completed', 'withdrawn'];

/** The scratch collection dropped (a deleteMany of 100,000 is too many parameters for FerretDB's PostgreSQL). */
const dropRows = () => BenchRow.collection.drop().catch(() => undefined);

async function seed(institution: string): Promise<string[]> {
  await dropRows();
  await BenchRow.createIndexes();
  const cohortIds = Array.from({ length: cohorts }, (_, index) => `bench-cohort-${String(index).padStart(4, '0')}`);
  const start = Date.UTC(2025, 0, 1);
  let batch: Record<string, unknown>[] = [];
  for (let index = 0; index < cohorts * perCohort; index += 1) {
    batch.push({
      institution,
      cohort: cohortIds[index % cohorts],
      name: `${names[index % names.length]} ${index}`,
      email: `peserta${index}@contoh.id`,
      status: statuses[index % statuses.length],
      lessonsDone: index % 40,
      score: (index * 7) % 101,
      appliedAt: new Date(start + index * 60_000),
      lastActivityAt: index % 5 === 0 ? null : new Date(start + index * 90_000),
    });
    if (batch.length === insertChunk) {
      await BenchRow.collection.insertMany(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length) await BenchRow.collection.insertMany(batch, { ordered: false });
  return cohortIds;
}

/** The table as a dashboard would register it: an institution's enrolments, read cohort by cohort. */
function registerTable(cohortIds: string[]) {
  return defineExport('bench-enrolments', {
    title: () => 'Peserta (bench)',
    columns: () => columns,
    authorize: async (_actor, params) => ({ institution: params.institution }),
    params: z.object({ institution: z.string() }),
    count: async () => cohortIds.length * perCohort,
    async *rows() {
      // One bounded keyset read per cohort: FerretDB reads only that cohort's documents for each page.
      for (const cohort of cohortIds) yield* keysetDocuments(BenchRow, { cohort }, { projection });
    },
  });
}

type Sample = { seconds: number; rows: number; bytes: number; rssGrowthMb: number; heapGrowthMb: number };

/** Runs `work`, sampling memory; its time and peak growth. */
async function measured(work: () => Promise<{ rows: number; bytes: number }>): Promise<Sample> {
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  }, 20);
  const started = performance.now();
  try {
    const { rows, bytes } = await work();
    const after = process.memoryUsage();
    rss = Math.max(rss, after.rss);
    heap = Math.max(heap, after.heapUsed);
    return {
      seconds: (performance.now() - started) / 1000,
      rows,
      bytes,
      rssGrowthMb: (rss - before.rss) / 1024 / 1024,
      heapGrowthMb: (heap - before.heapUsed) / 1024 / 1024,
    };
  } finally {
    clearInterval(timer);
  }
}

export type ExportsBench = {
  rows: number;
  seedSeconds: number;
  streaming: Record<ExportFormat, Sample>;
  baseline: Sample;
  institutionWidePageSeconds: number;
};

export async function runExportsBench(say: (line: string) => void): Promise<ExportsBench> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'kompeten-bench-exports-'));
  const institution = new mongoose.Types.ObjectId().toString();
  let unregister: (() => void) | undefined;
  try {
    const seedStart = performance.now();
    const cohortIds = await seed(institution);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    say(
      `Seeded ${cohortIds.length * perCohort} enrolment-like rows in ${cohortIds.length} cohorts in ${seedSeconds.toFixed(1)} s`,
    );
    unregister = registerTable(cohortIds);
    const spec = exportTable('bench-enrolments')!;

    const streaming = {} as Record<ExportFormat, Sample>;
    for (const format of ['csv', 'xlsx'] as const) {
      const file = path.join(folder, `stream.${format}`);
      streaming[format] = await measured(async () => {
        const rows = await writeExport(format, columns, spec.rows({ institution }), createWriteStream(file));
        return { rows, bytes: (await stat(file)).size };
      });
      say(`  streamed ${format.toUpperCase()}: ${describe(streaming[format])}`);
    }

    const baseline = await measured(async () => {
      const docs = await BenchRow.find({ institution }, projection, { comment: 'scan: the benchmark baseline' }).lean<
        Record<string, unknown>[]
      >();
      const text = csvFile([
        columns.map((column) => column.header),
        ...docs.map((doc) =>
          columns.map((column) => {
            const value = doc[column.key];
            return value instanceof Date ? value.toISOString() : typeof value === 'number' ? value : String(value ?? '');
          }),
        ),
      ]);
      const bytes = Buffer.byteLength(text);
      return { rows: docs.length, bytes };
    });
    say(`  baseline, one find + csvFile in memory: ${describe(baseline)}`);

    // The first page of an institution-wide keyset read (every document matches the filter).
    const pageStart = performance.now();
    const pages = keysetPages(BenchRow, { institution }, { projection });
    await pages.next();
    await pages.return(undefined);
    const institutionWidePageSeconds = (performance.now() - pageStart) / 1000;
    say(
      `  one keyset page of 2,000 over the institution's ${cohortIds.length * perCohort} (no cohort split): ${institutionWidePageSeconds.toFixed(2)} s`,
    );
    return { rows: cohortIds.length * perCohort, seedSeconds, streaming, baseline, institutionWidePageSeconds };
  } finally {
    unregister?.();
    await dropRows();
    await rm(folder, { recursive: true, force: true });
  }
}

function describe(sample: Sample): string {
  return [
    `${sample.rows} rows, ${(sample.bytes / 1024 / 1024).toFixed(1)} MB in ${sample.seconds.toFixed(1)} s`,
    `(${Math.round(sample.rows / sample.seconds)} rows/s),`,
    `peak RSS +${sample.rssGrowthMb.toFixed(0)} MB, heap +${sample.heapGrowthMb.toFixed(0)} MB`,
  ].join(' ');
}

/** The figures side by side, as run.ts prints its tables. */
export function printExportsBench(result: ExportsBench, say: (line: string) => void): void {
  say(`\nExports of ${result.rows} rows (seeded in ${result.seedSeconds.toFixed(1)} s):`);
  say('  path                                  time     rows/s   peak RSS   peak heap   file');
  const line = (name: string, sample: Sample) =>
    say(
      `  ${name.padEnd(36)} ${`${sample.seconds.toFixed(1)} s`.padStart(7)} ${String(Math.round(sample.rows / sample.seconds)).padStart(8)} ${`+${sample.rssGrowthMb.toFixed(0)} MB`.padStart(10)} ${`+${sample.heapGrowthMb.toFixed(0)} MB`.padStart(11)}   ${(sample.bytes / 1024 / 1024).toFixed(1)} MB`,
    );
  line('streamed CSV (keyset per cohort)', result.streaming.csv);
  line('streamed XLSX (keyset per cohort)', result.streaming.xlsx);
  line('baseline: one find + csvFile', result.baseline);
  say(
    `  one keyset page over all ${result.rows} (institution-wide, no cohort split): ${result.institutionWidePageSeconds.toFixed(2)} s; on FerretDB each of the ${Math.ceil(result.rows / 2000)} pages reads every matched document (on MongoDB, an index range)`,
  );
}

// Alone: its own embedded database, as run.ts starts one.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { startEmbeddedDatabase } = await import('../src/platform/db/embedded.js');
  const { connectMongoose, disconnectMongoose, withDatabaseName } = await import('../src/platform/db/connect.js');
  const { createLogger } = await import('../src/platform/logger.js');
  const log = createLogger('silent');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-bench-'));
  const embedded = process.env.BENCH_MONGODB_URI ? undefined : await startEmbeddedDatabase({ dataDir, log });
  try {
    await connectMongoose(withDatabaseName(process.env.BENCH_MONGODB_URI ?? embedded!.uri, 'bench_kompeten_exports'), {
      postgresUrl: embedded?.postgresUrl,
      log,
    });
    printExportsBench(await runExportsBench(say), say);
  } finally {
    await disconnectMongoose();
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
