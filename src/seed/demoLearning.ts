import { Cohort } from '../cohorts/model.js';
import { cohortSchema } from '../cohorts/schemas.js';
import { createCohort } from '../cohorts/service.js';
import { intakeSchema, sessionSchema } from '../counselling/schemas.js';
import { recordSession, saveIntake } from '../counselling/service.js';
import { approveEnrollment } from '../enrolment/service.js';
import { recordProgress } from '../learning/service.js';
import type { Actor } from '../platform/permissions.js';
import { createLesson, createModule } from '../programs/content.js';
import { Program } from '../programs/model.js';
import { publishProgram } from '../programs/publishing.js';
import { lessonSchema, moduleSchema, programSchema } from '../programs/schemas.js';
import { createProgram } from '../programs/service.js';
import { User } from '../users/model.js';
import { toActor } from '../users/service.js';

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The demo's cohort under way (demoCompletion.ts adds a finished one of the same program). */
export const demoCohortName = 'JWP Dasar angkatan 1';

/** A short demo curriculum: modules of real SKKNI units with a few lessons each. */
const demoModules = [
  {
    title: 'Menyiapkan alat pemrograman',
    hours: 8,
    units: ['J.620100.011.01'],
    lessons: [
      [
        'Mengenal editor kode',
        'Editor kode adalah alat utama programmer.\n\n## Yang dipelajari\n\n- memasang editor\n- membuka folder proyek\n- menjalankan program pertama',
      ],
      ['Memasang Node.js', 'Unduh pemasang resmi, jalankan, lalu periksa dengan `node --version`.'],
    ],
  },
  {
    title: 'Struktur data dasar',
    hours: 16,
    units: ['J.620100.004.02'],
    lessons: [
      ['Larik (array)', 'Larik menyimpan data berurutan. Elemen pertama berindeks 0.'],
      ['Objek dan peta', 'Objek menyimpan pasangan kunci dan nilai, misalnya `{ nama: "Andi" }`.'],
      ['Latihan: daftar belanja', 'Buat program yang menyimpan daftar belanja dalam larik dan menampilkannya.'],
    ],
  },
  {
    title: 'Menulis kode yang rapi',
    hours: 8,
    units: ['J.620100.016.01', 'J.620100.025.02'],
    lessons: [
      ['Nama yang menjelaskan', 'Nama variabel dan fungsi sebaiknya menjelaskan isinya.'],
      [
        'Mencari dan memperbaiki kesalahan',
        'Baca pesan galat dari atas, temukan baris yang disebut, lalu uji perbaikan satu per satu.',
      ],
    ],
  },
];

/**
 * A published program at BBPVP Bekasi with an open cohort: three trainees were counselled, enrolled
 * and study in it (with some progress), one was counselled and waits for approval, one waits for
 * counselling. Skipped when the program exists already.
 */
export async function seedDemoLearning(): Promise<number> {
  const instructorUser = await User.findOne({ email: 'instruktur1@kompeten.test' }).lean();
  const coordinatorUser = await User.findOne({ email: 'koordinator@kompeten.test' }).lean();
  if (!instructorUser?.institution || !coordinatorUser) return 0;
  if (await Program.exists({ institution: instructorUser.institution, code: 'JWP-DASAR' })) return 0;
  const actorOf = (user: typeof instructorUser) =>
    toActor({
      id: String(user._id),
      role: user.role as Actor['role'],
      institution: user.institution ? String(user.institution) : null,
    });
  const instructor = actorOf(instructorUser);
  const coordinator = actorOf(coordinatorUser);

  const program = await createProgram(
    instructor,
    programSchema.parse({
      code: 'JWP-DASAR',
      title: 'Junior Web Programmer: Dasar',
      description: 'Pelatihan berbasis kompetensi untuk skema Junior Web Programmer (SKKNI Kepmenaker 282/2016), tahap dasar.',
      sector: 'ict',
      level: 2,
      units: demoModules.flatMap((module) => module.units),
    }),
  );
  const lessons: string[] = [];
  for (const module of demoModules) {
    const moduleId = await createModule(instructor, program, moduleSchema.parse(module));
    for (const [title, body] of module.lessons) {
      lessons.push(await createLesson(instructor, moduleId, lessonSchema.parse({ title, body, estimatedMinutes: 15 })));
    }
  }
  await publishProgram(instructor, program);
  const cohort = await createCohort(
    coordinator,
    cohortSchema.parse({
      name: demoCohortName,
      program,
      startsOn: day(-7),
      endsOn: day(60),
      enrolmentOpens: day(-14),
      enrolmentCloses: day(30),
      capacity: 20,
      mode: 'online',
      status: 'open',
      instructors: [instructor.id],
      scheduleDays: [2, 4],
      scheduleStart: '19:00',
      scheduleEnd: '21:00',
    }),
  );

  const trainees = await User.find({
    email: { $in: ['peserta1', 'peserta2', 'peserta3', 'peserta4', 'peserta5'].map((p) => `${p}@kompeten.test`) },
  })
    .sort({ email: 1 })
    .lean();
  // Through the real services: the intake, counselling that opens the application, approval.
  for (const [index, user] of trainees.entries()) {
    const trainee = actorOf(user);
    await saveIntake(
      trainee,
      intakeSchema.parse({
        institution: String(instructorUser.institution),
        education: index % 2 ? 'sma' : 'smk',
        experience: index === 4 ? 'Dua tahun sebagai kasir minimarket.' : '',
        skills: 'Mengetik, Microsoft Excel dasar',
        sectors: ['ict'],
        schedule: ['weekdayEvening'],
      }),
    );
    if (index > 3) continue; // the last one still waits for counselling
    const { enrollment } = await recordSession(
      coordinator,
      trainee.id,
      sessionSchema.parse({ outcome: 'training', cohort, notes: 'Minat pada pemrograman web; siap belajar malam hari.' }),
    );
    if (index === 3 || !enrollment) continue; // the fourth one's application waits for approval
    await approveEnrollment(coordinator, enrollment.id);
    const done = lessons.slice(0, 3 - index);
    await recordProgress(
      trainee,
      done.map((lesson, n) => ({
        id: `seed-${n}`,
        account: trainee.id,
        cohort,
        lesson,
        kind: 'complete' as const,
        via: 'text' as const,
        at: new Date(),
      })),
    );
  }
  return (await Cohort.countDocuments({ _id: cohort })) + lessons.length;
}
