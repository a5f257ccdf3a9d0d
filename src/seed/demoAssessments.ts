import { gradeSubmission } from '../assessments/assignments/grading.js';
import { assignmentBody } from '../assessments/assignments/schemas.js';
import { cohortUnits, createAssignment, submitEvidence } from '../assessments/assignments/service.js';
import { importQuestions, listQuestions } from '../assessments/bank.js';
import type { QuestionResponse } from '../assessments/grading.js';
import { observationBody } from '../assessments/observations/schemas.js';
import { createObservation } from '../assessments/observations/service.js';
import type { QuestionContent } from '../assessments/questions.js';
import { startAttempt } from '../assessments/quizzes/attempts.js';
import { Quiz } from '../assessments/quizzes/model.js';
import { quizBody } from '../assessments/quizzes/schemas.js';
import { createQuiz, quizTargets } from '../assessments/quizzes/service.js';
import { markEssay } from '../assessments/quizzes/staff.js';
import { submitAttempt } from '../assessments/quizzes/submission.js';
import { decideVerdict, openReassessment, unitDrillDown } from '../assessments/results/verdicts.js';
import { correctResponse } from '../assessments/routes.js';
import { Cohort } from '../cohorts/model.js';
import { findCohort } from '../cohorts/service.js';
import type { Actor } from '../platform/permissions.js';
import { Program } from '../programs/model.js';
import { User } from '../users/model.js';
import { toActor } from '../users/service.js';
import { demoCohortName } from './demoLearning.js';

/**
 * Demo assessments for the JWP Dasar cohort (demoLearning.ts): a question bank on its SKKNI units,
 * two quizzes, an assignment, observations and verdicts, each made through the services the pages
 * use, by the demo's instructor and trainees, so the demo obeys the same rules as real data.
 * Times are relative to the moment of seeding.
 *
 * What each trainee shows:
 * - Andi Pratama (peserta1): the unit quiz passed (his essay marked), the portfolio accepted, and
 *   K confirmed on J.620100.004.02; the random quiz on "Menulis kode yang rapi" still to take.
 * - Dewi Lestari (peserta2): a unit-quiz attempt waiting for its essay to be marked, a portfolio
 *   waiting for grading; the random quiz passed and an observation with every criterion met, so
 *   the gradebook proposes K on J.620100.016.01 for the instructor to confirm.
 * - Rizky Hidayat (peserta3): the random quiz failed and criteria not yet met in his observation:
 *   BK confirmed on J.620100.016.01, with a re-assessment opened and its note.
 */

const dataUnit = 'J.620100.004.02';
const codeUnit = 'J.620100.016.01';

/**
 * The bank, in Moodle's GIFT (as an instructor would import one): every question named, so the
 * seed can find it, and tagged with the units and criteria it tests (`// unit: … criteria: …`).
 */
const bankGift = `// Bank soal demo: Junior Web Programmer Dasar (SKKNI Kepmenaker 282/2016)

// unit: J.620100.004.02 element: 1 criteria: 1.1
// tags: konsep
// feedback-incorrect: Ingat tumpukan piring, piring yang terakhir ditaruh diambil lebih dulu.
::LIFO::Struktur data apa yang bekerja dengan prinsip **LIFO** (*Last In First Out*)? {
	=Stack (tumpukan)#Benar, elemen yang terakhir masuk keluar pertama.
	~Queue (antrean)#Queue bekerja dengan prinsip FIFO, yang pertama masuk keluar pertama.
	~Larik (array)
	~Pohon (tree)
	####Stack dipakai misalnya untuk fitur *undo* pada editor teks.
}

// unit: J.620100.004.02 element: 1 criteria: 1.2
// tags: perbandingan
::Struktur dinamis::Pilih **semua** struktur data yang ukurannya dapat berubah saat program berjalan. {
	~%50%Linked list
	~%50%Stack berbasis linked list
	~%-100%Larik statis berukuran tetap#Ukuran larik statis ditetapkan saat dideklarasikan.
}

// unit: J.620100.004.02 element: 2 criteria: 2.1
::Indeks pertama::Indeks elemen pertama sebuah larik di JavaScript adalah 1.{F#Keliru, indeks larik dimulai dari 0.#Tepat, indeks dimulai dari 0.}

// unit: J.620100.004.02 element: 2 criteria: 2.1
// tags: praktik
::Menambah elemen::Nama method JavaScript untuk menambahkan elemen di **akhir** larik adalah ... {
	=push#Tepat, misalnya belanja.push("gula").
	=push()#Tepat, misalnya belanja.push("gula").
	=%50%append#Itu nama di Python. Di JavaScript namanya push.
}

// unit: J.620100.004.02 element: 2 criteria: 2.2
// tags: efisiensi
::Pencarian linear::Pencarian linear dilakukan pada larik berisi 500 data yang tidak terurut. Dalam kasus terburuk, berapa kali perbandingan dilakukan?{#
	=500#Tepat, setiap elemen dibandingkan satu per satu.
	=%50%499#Hampir. Data yang dicari bisa berada di posisi terakhir.
}

// unit: J.620100.004.02 element: 1 criteria: 1.2
// tags: perbandingan
::Pasangan struktur data::Pasangkan struktur data dengan kegunaan yang paling tepat. {
	=Stack -> fitur undo pada editor teks
	=Queue -> antrean pencetakan dokumen
	=Larik -> daftar nilai yang diakses lewat indeks
	=Objek atau map -> data peserta yang dicari lewat nomor induk
}

// unit: J.620100.004.02 element: 1,2 criteria: 1.2, 2.2 points: 3 min-words: 30 max-words: 300
// tags: esai
::Esai daftar belanja::Sebuah toko kelontong ingin mencatat daftar belanja harian di aplikasi web. Bandingkan penggunaan **larik** dan **linked list** untuk menyimpan daftar itu. Struktur mana yang Anda pilih, dan mengapa? {####Jawaban yang baik menyebut cara mengakses, menambah dan menghapus data, serta kebutuhan memori.}

// unit: J.620100.016.01 element: 1 criteria: 1.1
// tags: konvensi
::Penamaan variabel::Gaya penamaan variabel yang lazim dipakai dalam JavaScript adalah ... {
	=camelCase, misalnya totalHarga#Benar, ini gaya yang dianjurkan panduan gaya JavaScript.
	~snake_case, misalnya total_harga#Gaya ini lazim di Python, bukan di JavaScript.
	~HURUF_BESAR, misalnya TOTAL_HARGA#Gaya ini dipakai untuk konstanta.
	~Bebas, asal programnya jalan
}

// unit: J.620100.016.01 element: 1 criteria: 1.1
// tags: konvensi
::Praktik baik::Pilih **semua** kebiasaan yang membuat kode mudah dibaca rekan satu tim. {
	~%50%Memberi nama variabel dan fungsi yang menjelaskan isinya
	~%50%Menjaga indentasi yang konsisten
	~%-50%Menulis angka ajaib langsung di tengah kode#Beri nama pada angka itu sebagai konstanta.
	~%-50%Menamai semua variabel dengan satu huruf
}

// unit: J.620100.016.01 element: 1 criteria: 1.3
::try catch::Blok try...catch dipakai untuk menangani galat yang terjadi saat program berjalan.{T#Perhatikan lagi. Blok catch menangkap galat dari blok try.#Benar.}

// unit: J.620100.016.01 element: 1 criteria: 1.3
// tags: galat
::Melempar galat::Kata kunci JavaScript untuk melemparkan galat secara sengaja adalah ... {
	=throw#Tepat, misalnya throw new Error("Stok habis").
}

// unit: J.620100.016.01 element: 2 criteria: 2.1
// tags: efisiensi
::Perulangan bersarang::Sebuah perulangan di dalam perulangan memproses 100 baris dan 100 kolom. Berapa kali badan perulangan dalam dijalankan?{#10000}

// unit: J.620100.016.01 element: 1 criteria: 1.2
::Istilah kode::Pasangkan istilah dengan maknanya. {
	=Fungsi -> blok kode bernama yang dapat dipanggil berulang kali
	=Modul -> berkas yang mengelompokkan kode yang saling terkait
	=Komentar -> penjelasan untuk pembaca kode, tidak dijalankan
	= -> nilai yang tidak dapat diubah
}

// unit: J.620100.025.02
// tags: galat
::Langkah debugging::Program menampilkan pesan galat saat dijalankan. Apa langkah pertama yang paling tepat? {
	=Membaca pesan galat dan membuka baris yang disebutkannya#Benar, pesan galat biasanya menunjuk tempat masalahnya.
	~Menulis ulang seluruh program
	~Menghapus baris yang mencurigakan satu per satu tanpa membaca pesannya
	~Memasang ulang editor kode
}

// unit: J.620100.025.02
::console log::Perintah console.log dapat dipakai untuk melihat nilai sebuah variabel saat mencari kesalahan program.{T}

// unit: J.620100.011.01
// tags: instalasi
::Versi Node::Perintah untuk memeriksa versi Node.js yang terpasang di komputer adalah ... {
	=node --version#Benar.
	~npm start
	~node install
	~cek node
}
`;

const day = 86_400_000;
const hour = 3_600_000;
const minute = 60_000;

/** A wrong answer to a question: the demo's trainee who has not mastered the unit gives these. */
function wrongResponse(content: QuestionContent): QuestionResponse | null {
  switch (content.type) {
    case 'single':
      return content.options.find((option) => !option.correct)?.id ?? null;
    case 'multiple':
      return content.options.filter((option) => !option.correct).map((option) => option.id);
    case 'trueFalse':
      return !content.answer;
    case 'shortAnswer':
      return 'tidak tahu';
    case 'numeric':
      return '1';
    case 'matching': {
      // Every prompt given the next pair's match.
      const pairs = content.pairs.filter((pair) => pair.prompt);
      return Object.fromEntries(pairs.map((pair, index) => [pair.id, pairs[(index + 1) % pairs.length]!.match]));
    }
    case 'essay':
      return '';
  }
}

/**
 * Seeds the assessments of the demo cohort; returns the records created. Skipped when the cohort
 * has quizzes already (seeded before, or made by hand), so a second run adds nothing.
 */
export async function seedDemoAssessments(): Promise<number> {
  const program = await Program.findOne({ code: 'JWP-DASAR' }).lean();
  const cohortDoc = program ? await Cohort.findOne({ program: program._id, name: demoCohortName }).lean() : null;
  const instructorUser = await User.findOne({ email: 'instruktur1@kompeten.test' }).lean();
  const traineeUsers = await User.find({
    email: { $in: ['peserta1', 'peserta2', 'peserta3'].map((name) => `${name}@kompeten.test`) },
  })
    .sort({ email: 1 })
    .lean();
  if (!program || !cohortDoc || !instructorUser || traineeUsers.length !== 3) return 0;
  if (await Quiz.exists({ cohort: cohortDoc._id })) return 0;
  const actorOf = (user: typeof instructorUser): Actor =>
    toActor({
      id: String(user._id),
      role: user.role as Actor['role'],
      institution: user.institution ? String(user.institution) : null,
    });
  const instructor = actorOf(instructorUser);
  const [andi, dewi, rizky] = traineeUsers.map(actorOf) as [Actor, Actor, Actor];
  const programId = String(program._id);
  const cohortId = String(cohortDoc._id);
  const cohort = await findCohort(cohortId);
  const start = Date.now();
  const at = (days: number, hours = 0, minutes = 0) => new Date(start + days * day + hours * hour + minutes * minute);
  let created = 0;

  // --- the question bank, imported as an instructor would ---------------------------------------
  const imported = await importQuestions(instructor, programId, { text: bankGift, format: 'gift', fileName: 'bank-jwp.gift' });
  if (imported.problems.length) throw new Error(`The demo question bank does not import: ${JSON.stringify(imported.problems)}`);
  created += imported.added;
  const bank = (await listQuestions(instructor, programId)).items;
  const byName = (name: string) => {
    const found = bank.find((question) => question.content.name === name);
    if (!found) throw new Error(`The demo question bank lacks "${name}"`);
    return found;
  };

  // --- two quizzes ----------------------------------------------------------------------------------
  const unitQuestions = [
    'LIFO',
    'Struktur dinamis',
    'Indeks pertama',
    'Menambah elemen',
    'Pencarian linear',
    'Pasangan struktur data',
    'Esai daftar belanja',
  ].map((name) => byName(name).id);
  const unitQuiz = await createQuiz(
    instructor,
    cohortId,
    quizBody.parse({
      title: 'Kuis unit: Menggunakan Struktur Data',
      instructions:
        'Kuis ini menguji unit J.620100.004.02. Waktu pengerjaan 20 menit sejak Anda menekan **Mulai**; jawaban tersimpan otomatis. Soal esai dinilai oleh instruktur.',
      target: `unit:${dataUnit}`,
      mode: 'fixed',
      questions: unitQuestions,
      shuffleOptions: true,
      timeLimit: 20,
      attemptsAllowed: 2,
      passMark: 70,
      navigation: 'free',
      review: { score: 'immediately', answers: 'afterClose', feedback: 'immediately' },
      opensAt: at(-5).toISOString(),
      closesAt: at(21).toISOString(),
    }),
  );
  const module = (await quizTargets(cohort)).modules.find((candidate) => candidate.units.includes(codeUnit));
  if (!module) throw new Error('The demo program lacks the module on writing tidy code');
  const drawnQuiz = await createQuiz(
    instructor,
    cohortId,
    quizBody.parse({
      title: 'Latihan acak: Menulis kode yang rapi',
      instructions:
        'Setiap percobaan mendapat soal acak: tiga tentang panduan penulisan kode dan satu tentang debugging. Soal dikerjakan berurutan; soal yang sudah dilewati tidak dapat dibuka lagi.',
      target: `module:${module.id}`,
      mode: 'draw',
      draws: [
        { unit: codeUnit, tag: '', count: 3 },
        { unit: 'J.620100.025.02', tag: '', count: 1 },
      ],
      shuffleQuestions: true,
      shuffleOptions: true,
      timeLimit: null,
      attemptsAllowed: 3,
      passMark: 60,
      navigation: 'sequential',
      review: { score: 'immediately', answers: 'immediately', feedback: 'immediately' },
      opensAt: at(-2).toISOString(),
      closesAt: at(7).toISOString(),
    }),
  );
  created += 2;

  /** A trainee takes a quiz at `when`, answering each question as `answer` says, and submits a few minutes later. */
  const takeQuiz = async (
    trainee: Actor,
    quizId: string,
    when: Date,
    answer: (content: QuestionContent, index: number) => QuestionResponse | null,
  ) => {
    const { attempt } = await startAttempt(trainee, quizId, when);
    const answers = attempt.questions.map((question, index) => ({
      question: question.id,
      response: answer(question.content as QuestionContent, index),
      advance: true,
    }));
    const submitted = await submitAttempt(trainee, attempt._id, { answers }, new Date(when.getTime() + 12 * minute));
    created += 1;
    return submitted.attempt;
  };
  const essayId = byName('Esai daftar belanja').id;

  // Andi: everything right but half of the multiple response; his essay marked the next day.
  const andiAttempt = await takeQuiz(andi, unitQuiz.id, at(-3, 2), (content) => {
    if (content.type === 'multiple') return [content.options.find((option) => option.correct)!.id];
    if (content.type === 'essay')
      return 'Saya memilih larik. Daftar belanja toko kelontong biasanya pendek dan sering dibaca berurutan atau lewat indeks, misalnya untuk dicetak. Larik menyimpan data berdampingan di memori sehingga akses lewat indeks cepat. Linked list lebih luwes untuk menyisipkan dan menghapus di tengah daftar, tetapi setiap simpul butuh memori tambahan untuk penunjuk dan pencarian harus menelusuri dari awal.';
    return correctResponse(content);
  });
  await markEssay(
    instructor,
    andiAttempt._id,
    essayId,
    {
      points: 2.5,
      comment: 'Perbandingan akses dan memori sudah tepat. Tambahkan contoh kapan linked list lebih menguntungkan.',
      replaces: null,
    },
    at(-2, 1),
  );
  // Dewi: a few slips; her essay waits for the instructor.
  await takeQuiz(dewi, unitQuiz.id, at(-1, 3), (content) => {
    if (content.type === 'trueFalse' || content.type === 'numeric') return wrongResponse(content);
    if (content.type === 'essay')
      return 'Linked list lebih cocok karena daftar belanja sering berubah. Barang bisa ditambah atau dihapus tanpa menggeser elemen lain. Larik harus menggeser elemen saat menghapus di tengah, walaupun membaca elemen ke-n lebih cepat karena memakai indeks.';
    return correctResponse(content);
  });
  // The random quiz: Dewi passes it, Rizky does not (he gets only the first question right).
  await takeQuiz(dewi, drawnQuiz.id, at(-1, 4), (content) => correctResponse(content));
  await takeQuiz(rizky, drawnQuiz.id, at(-1, 5), (content, index) =>
    index === 0 ? correctResponse(content) : wrongResponse(content),
  );

  // --- an assignment: portfolio evidence graded with the rubric -------------------------------------
  const units = await cohortUnits(cohort);
  const dataCriteria = units.find((unit) => unit.code === dataUnit)!.criteria;
  const assignment = await createAssignment(
    instructor,
    cohortId,
    assignmentBody.parse({
      title: 'Portofolio: program daftar belanja dengan larik',
      instructions:
        'Buat program JavaScript yang menyimpan daftar belanja dalam larik: menambah, mengubah, menghapus, mencari dan mengurutkan barang. Kumpulkan penjelasan singkat pilihan struktur data Anda beserta tangkapan layar atau berkas kodenya.',
      unit: dataUnit,
      criteria: dataCriteria.map((criterion) => criterion.ref),
      kinds: ['image', 'document'],
      maxFiles: 3,
      dueAt: at(4).toISOString(),
    }),
    at(-6),
  );
  created += 1;
  const andiSubmission = await submitEvidence(
    andi,
    assignment.id,
    {
      text: 'Program daftar belanja saya menyimpan barang dalam larik objek { nama, jumlah }. Menambah memakai push, menghapus memakai splice, mencari memakai find, dan mengurutkan memakai sort berdasarkan nama. Saya memilih larik karena daftar belanja pendek dan sering ditampilkan berurutan. Kode lengkap ada di repositori latihan kelas.',
    },
    at(-3, 6),
  );
  await gradeSubmission(
    instructor,
    assignment.id,
    andi.id,
    {
      revision: andiSubmission.submission.revision,
      criteria: dataCriteria.map((criterion) => ({
        ref: criterion.ref,
        met: true,
        comment: criterion.no === '2.2' ? 'Pencarian dengan find sudah tepat untuk daftar sependek ini.' : '',
      })),
      comment: 'Rapi dan lengkap. Semua kriteria unjuk kerja terpenuhi.',
      decision: 'accepted',
    },
    at(-2, 2),
  );
  await submitEvidence(
    dewi,
    assignment.id,
    {
      text: 'Daftar belanja saya simpan dalam larik string. Barang baru ditambah dengan push dan dihapus dengan filter. Pencarian memakai includes. Saya belum menambahkan pengurutan.',
    },
    at(-1, 6),
  );
  created += 2;

  // --- observations of a workshop on tidy code --------------------------------------------------------
  const codeCriteria = units.find((unit) => unit.code === codeUnit)!.criteria;
  const observe = async (trainee: Actor, notMet: Record<string, string>, note: string) => {
    await createObservation(
      instructor,
      cohortId,
      observationBody.parse({
        trainee: trainee.id,
        unit: codeUnit,
        observedAt: at(-2, -3).toISOString(),
        activity: 'Praktik bengkel: merapikan kode program kasir',
        note,
        criteria: codeCriteria.map((criterion) => ({
          ref: criterion.ref,
          met: !(criterion.no in notMet),
          comment: notMet[criterion.no] ?? '',
        })),
      }),
    );
    created += 1;
  };
  await observe(dewi, {}, 'Kode dirapikan mandiri dan diuji sebelum dikumpulkan.');
  await observe(
    rizky,
    {
      '1.3': 'Galat masukan kosong belum ditangani; program berhenti.',
      '2.1': 'Perulangan bersarang masih menghitung ulang total di setiap baris.',
    },
    'Penamaan dan struktur sudah baik; penanganan galat dan efisiensi perlu latihan lagi.',
  );

  // --- verdicts -------------------------------------------------------------------------------------
  const decide = async (trainee: Actor, unit: string, status: 'K' | 'BK', reason: string, when: Date) => {
    const target = { cohortId, traineeId: trainee.id, unit };
    const { result } = await unitDrillDown(instructor, target);
    const decided = await decideVerdict(instructor, target, { status, reason, revision: result.verdictRevision }, when);
    created += 1;
    return { target, revision: decided.result.verdictRevision };
  };
  await decide(andi, dataUnit, 'K', '', at(-1, 1));
  const rizkyVerdict = await decide(
    rizky,
    codeUnit,
    'BK',
    'Kriteria 1.3 dan 2.1 belum terpenuhi pada observasi, dan latihan acak belum lulus.',
    at(-1, 8),
  );
  await openReassessment(
    instructor,
    rizkyVerdict.target,
    {
      note: 'Ulangi latihan acak setelah mempelajari materi "Mencari dan memperbaiki kesalahan"; observasi ulang penanganan galat pada pertemuan Kamis.',
      revision: rizkyVerdict.revision,
    },
    at(-1, 9),
  );
  return created;
}
