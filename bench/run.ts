import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { connectMongoose, databaseClients, disconnectMongoose, withDatabaseName } from '../src/platform/db/connect.js';
import { startEmbeddedDatabase } from '../src/platform/db/embedded.js';
import { createLogger } from '../src/platform/logger.js';
import { programsPerPage } from '../src/programs/catalogue.js';
import { demoPassword, seedDemo } from '../src/seed/demo.js';
import { unitsPerPage } from '../src/units/service.js';
import { User } from '../src/users/model.js';
import { createBaselineApp } from './baseline.js';
import { type CompletionCheck, prepareCompletions, progressPath, tokenConcurrency } from './completions.js';
import { printExamBurst, runExamBurst } from './examBurst.js';
import { printExportsBench, runExportsBench } from './exports.js';
import { floorClients, measureFloor, recordCommands } from './floor.js';
import { type ImportTiming, timeImports } from './importTiming.js';
import { printLiveRoom, runLiveRoom } from './liveRoom.js';
import {
  connections,
  durationSeconds,
  expectPage,
  listen,
  logIn,
  measure,
  printTable,
  type Row,
  warmupSeconds,
  workers,
} from './measure.js';
import { printMonitoringBench, runMonitoringBench } from './monitoring.js';
import { type CurriculumSeed, seedCurriculum } from './seedCurriculum.js';
import { type LearningSeed, seedLearning } from './seedLearning.js';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- exam` only the exam burst and
 * `npm run bench -- live` only the live room (each on its own data).
 */
const only = process.argv[2];
if (only !== undefined && only !== 'exam' && only !== 'live' && only !== 'monitoring')
  throw new Error(`Unknown benchmark "${only}": give none for all, "exam", "live" or "monitoring"`);
const examTrainees = Number(process.env.BENCH_EXAM_TRAINEES ?? 1000);
if (!Number.isInteger(examTrainees) || examTrainees < 1 || examTrainees > 1000) {
  throw new Error(
    `BENCH_EXAM_TRAINEES must be a whole number from 1 to 1000 (a cohort's capacity), not ${process.env.BENCH_EXAM_TRAINEES}`,
  );
}
const scale = Number(process.env.BENCH_SCALE ?? 1);
if (!Number.isFinite(scale) || scale <= 0 || scale > 5) {
  throw new Error(`BENCH_SCALE must be a number above 0 and at most 5, not ${process.env.BENCH_SCALE}`);
}
const trainee = { email: 'peserta1@kompeten.test', name: 'Andi Pratama' };
const coordinatorEmail = 'koordinator@kompeten.test';
/** A word of some hundreds of unit titles (two ICT subjects and one of agriculture; see curriculumText.ts). */
const searchWord = 'jaringan';
const codePrefix = 'J.6201';
/** Units per CSV import at scale 1: four lines each, 20,000 lines. */
const importUnitsAtScale1 = 5000;

const log = createLogger('silent');
const cleanups: (() => Promise<unknown>)[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (value: number) => `${value.toFixed(1)} s`;
/** Text as EJS's `<%= %>` prints it. */
const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const html = (text: string) => text.replace(/[&<>"']/g, (character) => escapes[character]!);

/** What "My learning" must show: a card for each of the demo trainee's seeded cohorts, with its next lesson. */
function learningExpected(learning: LearningSeed) {
  return learning.demo.flatMap((card) => [
    `<h2 id="c-${card.cohort}">${html(card.programTitle)}</h2>`,
    `href="/learn/${card.cohort}/lessons/${card.next.id}"`,
  ]);
}

/** What the first page of a unit search must show: its first and last codes. */
function unitsExpected(seed: CurriculumSeed, matches: (unit: { code: string; words: string[] }) => boolean) {
  const codes = seed.units
    .filter(matches)
    .map((unit) => unit.code)
    .sort()
    .slice(0, unitsPerPage);
  if (codes.length < 2) throw new Error('The seeded units match too few');
  return [`<code>${codes[0]}</code>`, `<code>${codes.at(-1)}</code>`];
}

/** What page 1 of the catalogue must show: its first and last programs (sorted as listCatalogue sorts). */
function catalogueExpected(seed: CurriculumSeed, sector?: string) {
  const programs = seed.programs
    .filter((program) => !sector || program.sector === sector)
    .sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, programsPerPage);
  return [programs[0]!, programs.at(-1)!].map((program) => `href="/catalogue/${program.id}">${program.title}</a>`);
}

async function main(): Promise<void> {
  // The machine's load before the run: figures from a busy machine are not comparable with others.
  const loadAverage = os.loadavg()[0]!;
  let uri = process.env.BENCH_MONGODB_URI;
  let database = 'external (BENCH_MONGODB_URI)';
  let postgresUrl: string | undefined;
  if (!uri) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kompeten-bench-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const embedded = await startEmbeddedDatabase({ dataDir, ferretdbBin: process.env.FERRETDB_BIN, log });
    cleanups.push(() => embedded.stop());
    uri = embedded.uri;
    postgresUrl = embedded.postgresUrl;
    database = `${embedded.kind}${embedded.backend ? ` on ${embedded.backend}` : ''}`;
  }
  cleanups.push(() => disconnectMongoose());
  const databaseUri = withDatabaseName(uri, 'bench_kompeten');
  const connection = await connectMongoose(databaseUri, { postgresUrl, log, monitorCommands: true });
  await seedDemo();
  if (only === 'exam') return examOnly(connection, databaseUri, loadAverage);
  if (only === 'live') return liveOnly(databaseUri, loadAverage);
  if (only === 'monitoring') return printMonitoringBench(await runMonitoringBench(say), say); // issue 13 at national scale
  const coordinator = await User.findOne({ email: coordinatorEmail }).lean();
  if (!coordinator?.institution) throw new Error(`No ${coordinatorEmail} with an institution`);

  const seedStart = performance.now();
  const seed = await seedCurriculum(scale, String(coordinator.institution), say);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const { counts } = seed;
  say(
    `Seeded ${counts.units} units, ${counts.programs} published programs, ${counts.modules} modules, ${counts.lessons} lessons in ${seconds(seedSeconds)}`,
  );
  const learningStart = performance.now();
  const learning = await seedLearning(scale, seed, trainee.email, say);
  const learningSeconds = (performance.now() - learningStart) / 1000;
  say(
    `Seeded ${learning.counts.cohorts} cohorts, ${learning.counts.trainees} trainees, ${learning.counts.enrollments} enrolments, ${learning.counts.seats} seats in ${seconds(learningSeconds)}`,
  );
  const studied = learning.demo[0]!;

  const sessionSecret = randomBytes(36).toString('base64url'); // 48 characters
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: sessionSecret,
    TRUST_PROXY: 'loopback',
  });
  const { app } = createApp({ config, log, connection, sessionSecret });
  const appTarget = await listen(app, cleanups);
  const baselineTarget = await listen(createBaselineApp(), cleanups);
  const appUrl = appTarget.url;

  const asTrainee = await logIn(appUrl, trainee.email, demoPassword);
  const asCoordinator = await logIn(appUrl, coordinatorEmail, demoPassword);
  const pages = [
    { name: 'GET /dashboard (trainee)', path: '/dashboard', headers: asTrainee, texts: [trainee.name] },
    { name: 'GET /healthz', path: '/healthz', headers: {}, texts: ['"status":"ok"'] },
    { name: 'GET /catalogue (anonymous)', path: '/catalogue', headers: {}, texts: catalogueExpected(seed) },
    { name: 'GET /catalogue?sector=ict', path: '/catalogue?sector=ict', headers: {}, texts: catalogueExpected(seed, 'ict') },
    {
      name: `GET /units?q=${searchWord} (coordinator)`,
      path: `/units?q=${searchWord}`,
      headers: asCoordinator,
      texts: unitsExpected(seed, (unit) => unit.words.some((word) => word.startsWith(searchWord))),
    },
    {
      name: `GET /units?code=${codePrefix} (coordinator)`,
      path: `/units?code=${codePrefix}`,
      headers: asCoordinator,
      texts: unitsExpected(seed, (unit) => unit.code.startsWith(codePrefix)),
    },
    {
      name: 'GET /programs/:id/v/1/lessons/:id (coordinator)',
      path: seed.lesson.url,
      headers: asCoordinator,
      texts: [`<h1>${seed.lesson.title}</h1>`, `materi ${seed.lesson.position} dari ${seed.lesson.count}`, 'Tujuan pembelajaran'],
    },
    { name: 'GET /learning (trainee, My learning)', path: '/learning', headers: asTrainee, texts: learningExpected(learning) },
    {
      name: 'GET /cohorts/:id/roster (coordinator)',
      path: `/cohorts/${studied.cohort}/roster`,
      headers: asCoordinator,
      texts: [trainee.name],
    },
    { name: 'GET /counselling (coordinator, the queue)', path: '/counselling', headers: asCoordinator, texts: ['<h1'] },
    {
      name: 'GET /learn/:cohort/lessons/:id (enrolled trainee)',
      path: `/learn/${studied.cohort}/lessons/${studied.next.id}`,
      headers: asTrainee,
      texts: [
        `<h1>${html(studied.next.title)}</h1>`,
        `materi ${studied.next.position} dari ${studied.total}`,
        `data-cohort="${studied.cohort}" data-lesson="${studied.next.id}"`,
      ],
    },
  ];
  await expectPage(`${baselineTarget.url}/`, {}, trainee.name);
  for (const page of pages) await expectPage(`${appUrl}${page.path}`, page.headers, ...page.texts);

  const baseline = await measure('baseline express+ejs page', baselineTarget, '/', {});
  const rows = [baseline];
  const floor = await floorClients(databaseUri);
  cleanups.push(() => floor.close());
  /** The row, and beside it the same database work by the driver alone (see floor.ts). */
  const withFloor = async (row: Row, request: () => Promise<void>) => {
    const recording = await recordCommands(databaseClients(), request);
    const measured = await measureFloor(`  floor of ${row.name}`, floor, recording, baseline.requestsPerSecond);
    return {
      ...row,
      floor: { requestsPerSecond: measured.requestsPerSecond, p99Ms: measured.p99Ms, commands: recording.length },
    };
  };
  for (const page of pages) {
    const row = await measure(page.name, appTarget, page.path, page.headers, baseline.requestsPerSecond);
    rows.push(await withFloor(row, () => expectPage(`${appUrl}${page.path}`, page.headers)));
  }
  say(`Issuing API tokens to ${learning.progressTrainees.length} trainees...`);
  const completions = await prepareCompletions(appUrl, learning.progressTrainees);
  const completionRow = await measure(
    'POST /api/v1/progress (lesson completion)',
    appTarget,
    progressPath,
    completions.headers,
    baseline.requestsPerSecond,
    completions.varied,
  );
  const written = await completions.verify(completionRow);
  rows.push(await withFloor(completionRow, () => completions.sendOne()));

  const imports = await timeImports(
    { id: String(coordinator._id), role: 'coordinator', institution: String(coordinator.institution) },
    Math.max(100, Math.round(importUnitsAtScale1 * scale)),
  );

  say(`\nThe exam burst: ${examTrainees} trainees, one quiz (see examBurst.ts)`);
  const exam = await runExamBurst({ appUrl, databaseUri, trainees: examTrainees, say });

  say('\nThe live room (see liveRoom.ts)');
  const live = await runLiveRoom({ databaseUri, say });

  printTable(rows);
  say(
    `\nLesson completion: ${completionRow.requestsPerSecond.toFixed(1)} writes/s, p99 ${completionRow.p99Ms} ms (the bare page: ${baseline.requestsPerSecond.toFixed(0)} req/s)`,
  );
  say(`  ${describeCompletions(written)}`);
  say(
    `  ${written.trainees} API tokens through POST /api/v1/auth/token: ${seconds(completions.tokenSeconds)} (${((completions.tokenSeconds * 1000) / written.trainees).toFixed(0)} ms a login, ${tokenConcurrency} at a time)`,
  );
  say(`\nSeeding (BENCH_SCALE=${scale}): ${seconds(seedSeconds + learningSeconds)} in all`);
  say(`  curriculum: ${seconds(seedSeconds)}`);
  for (const timing of seed.timings) say(`    ${timing.name}: ${seconds(timing.seconds)}`);
  const { byStatus } = learning.counts;
  say(
    `  cohorts, trainees, enrolments (${Object.entries(byStatus)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ')}): ${seconds(learningSeconds)}`,
  );
  for (const timing of learning.timings) say(`    ${timing.name}: ${seconds(timing.seconds)}`);
  say('Unit import through importUnits as the coordinator (progress written to an import job):');
  for (const timing of imports) say(`  ${describeImport(timing)}`);
  say(`Lessons measured: ${seed.lesson.url} (published), /learn/${studied.cohort}/lessons/${studied.next.id} (enrolled)`);
  printExamBurst(exam, say);
  printLiveRoom(live, say);
  printExportsBench(await runExportsBench(say), say); // 100,000 rows as CSV and XLSX (see exports.ts)
  printMonitoringBench(await runMonitoringBench(say), say); // the dashboards at national scale (see monitoring.ts)
  say(`Machine: ${os.availableParallelism()} CPUs, load average ${loadAverage.toFixed(2)} before the run`);

  const file = path.join(os.tmpdir(), 'kompeten-bench-latest.json');
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    loadAverage,
    database,
    scale,
    durationSeconds,
    warmupSeconds,
    connections,
    workers,
    rows,
    seed: { counts, seconds: seedSeconds, steps: seed.timings, lesson: seed.lesson.url },
    learning: { counts: learning.counts, seconds: learningSeconds, steps: learning.timings, demo: learning.demo },
    completions: { ...written, tokenSeconds: completions.tokenSeconds },
    imports,
    examBurst: exam,
    liveRoom: live,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  say(`\nJSON written to ${file}`);
}

/** The exam burst alone: the demo accounts, its own cohort and quiz, the app; no other seed. */
async function examOnly(connection: Awaited<ReturnType<typeof connectMongoose>>, databaseUri: string, loadAverage: number) {
  const sessionSecret = randomBytes(36).toString('base64url');
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: sessionSecret,
    TRUST_PROXY: 'loopback',
  });
  const { app } = createApp({ config, log, connection, sessionSecret });
  const appTarget = await listen(app, cleanups);
  const exam = await runExamBurst({ appUrl: appTarget.url, databaseUri, trainees: examTrainees, say });
  printExamBurst(exam, say);
  say(`Machine: ${os.availableParallelism()} CPUs, load average ${loadAverage.toFixed(2)} before the run`);
}

/** The live room alone: the demo accounts, its own cohort and classes, the app and a bare server in processes of their own. */
async function liveOnly(databaseUri: string, loadAverage: number) {
  const live = await runLiveRoom({ databaseUri, say });
  printLiveRoom(live, say, false);
  say(`Machine: ${os.availableParallelism()} CPUs, load average ${loadAverage.toFixed(2)} before the run`);
}

function describeCompletions(check: CompletionCheck): string {
  return [
    `database: the ${check.trainees} trainees' completed lessons went from ${check.before} to ${check.after}`,
    `(+${check.after - check.before}; ${check.measuredResponses} responses in the measured ${durationSeconds} s, at most ${check.used} requests sent in all)`,
  ].join(' ');
}

function describeImport(timing: ImportTiming): string {
  const { created, updated, unchanged, rejected } = timing.counts;
  return [
    `${timing.name}: ${timing.rows} rows / ${timing.units} units (${(timing.bytes / 1024 / 1024).toFixed(1)} MB)`,
    `parse ${seconds(timing.parseSeconds)}, total ${seconds(timing.totalSeconds)}, ${timing.unitsPerSecond.toFixed(0)} units/s`,
    `(created ${created}, updated ${updated}, unchanged ${unchanged}, rejected ${rejected})`,
  ].join(', ');
}

async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => process.stderr.write(`clean-up failed: ${String(error)}\n`));
  }
}

process.once('SIGINT', () => {
  stopAll().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
