import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  detectFormat,
  importLimits,
  type ParseResult,
  parseAiken,
  parseGift,
  parseJson,
  parseQuestions,
  toAiken,
  toGift,
  toJson,
} from '../../src/assessments/formats/index.js';
import { type QuestionContent, type QuestionContentInput, questionContentSchema } from '../../src/assessments/questions.js';
import { languages, translator } from '../../src/platform/i18n.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const problemsOf = (result: ParseResult) => result.problems.map(({ line, message }) => ({ line, message }));
const only = (result: ParseResult) => {
  expect(result.problems).to.deep.equal([]);
  expect(result.questions).to.have.length(1);
  return result.questions[0]!.content;
};
const question = (input: QuestionContentInput): QuestionContent => questionContentSchema.parse(input);
const unitA = 'J.620100.004.02';
const unitB = 'J.620100.005.02';

describe('question bank formats', () => {
  describe('GIFT', () => {
    it('reads every question type of a realistic bank with feedback, weights, ranges, titles, categories and SKKNI tags', () => {
      const result = parseGift(fixture('bank.gift'));
      expect(result.problems).to.deep.equal([]);
      const byLine = new Map(result.questions.map((parsed) => [parsed.line, parsed.content]));
      expect([...byLine.keys()]).to.deep.equal([7, 17, 24, 28, 31, 33, 35, 40, 49, 51]);

      expect(byLine.get(7)).to.deep.include({
        type: 'single',
        name: 'LIFO',
        text: 'Struktur data apa yang bekerja dengan prinsip **LIFO** (*Last In First Out*)?',
        units: [unitA],
        elements: [`${unitA}#1`],
        criteria: [`${unitA}#1.1`],
        feedback: { general: 'Stack dipakai misalnya untuk fitur *undo* pada editor teks.' },
      });
      expect(byLine.get(7)).to.have.deep.property('options', [
        { id: 'a', text: 'Stack', correct: true, feedback: 'Benar, elemen terakhir yang masuk keluar pertama.' },
        { id: 'b', text: 'Queue', correct: false, feedback: 'Queue bekerja dengan prinsip FIFO.' },
        { id: 'c', text: 'Array', correct: false },
        { id: 'd', text: 'Tree', correct: false },
      ]);

      // Weights: positive is correct, negative is not; the category gives the unit and element, the comment the criterion and tags.
      expect(byLine.get(17)).to.deep.include({
        type: 'multiple',
        units: [unitA],
        elements: [`${unitA}#1`],
        criteria: [`${unitA}#1.2`],
      });
      expect(byLine.get(17)).to.have.deep.property('tags', ['perbandingan', 'latihan']);
      expect((byLine.get(17) as { options: { correct: boolean }[] }).options.map((option) => option.correct)).to.deep.equal([
        true,
        true,
        false,
      ]);

      // {F#wrong#right}: the first feedback is for the wrong answer (true), the second for the right one (false).
      expect(byLine.get(24)).to.deep.include({
        type: 'trueFalse',
        answer: false,
        feedbackTrue: 'Keliru: indeks array dimulai dari 0.',
        feedbackFalse: 'Tepat, indeks dimulai dari 0.',
        elements: [`${unitA}#2`],
        criteria: [`${unitA}#2.1`],
      });

      // Missing word: the braces become a blank; the second category applies from here on.
      expect(byLine.get(28)).to.deep.include({
        type: 'shortAnswer',
        name: 'Tag HTML',
        text: 'Tag HTML untuk membuat tautan adalah ____.',
        units: [unitB],
        elements: [`${unitB}#2`],
      });
      expect(byLine.get(28)).to.have.deep.property('answers', [
        { text: 'a', fraction: 1 },
        { text: '<a>', fraction: 1 },
        { text: 'anchor', fraction: 0.5, feedback: 'Hampir: nama tag-nya a.' },
      ]);

      expect(byLine.get(31)).to.deep.include({
        type: 'numeric',
        points: 2,
        answers: [{ value: 3.5, tolerance: 0.01, fraction: 1 }],
      });
      expect(byLine.get(33)).to.deep.include({ type: 'numeric', answers: [{ value: 3, tolerance: 2, fraction: 1 }] });
      expect(byLine.get(35)).to.deep.include({
        answers: [
          { value: 1500, tolerance: 0, fraction: 1, feedback: 'Tepat.' },
          { value: 1.5, tolerance: 0, fraction: 0.5, feedback: 'Itu masih dalam detik.' },
        ],
      });
      expect(byLine.get(40)).to.deep.include({
        type: 'matching',
        pairs: [
          { id: 'a', prompt: '<ul>', match: 'daftar tidak berurutan' },
          { id: 'b', prompt: '<ol>', match: 'daftar berurutan' },
          { id: 'c', prompt: '<table>', match: 'tabel' },
        ],
        extraMatches: ['paragraf'],
      });
      expect(byLine.get(49)).to.deep.include({
        type: 'essay',
        minWords: 50,
        maxWords: 300,
        units: [unitB],
        elements: [`${unitB}#1`],
        criteria: [`${unitB}#1.4`],
        feedback: { general: 'Sebutkan alat yang dipakai dan urutan halamannya.' },
      });
      // Escapes give the characters themselves.
      expect(byLine.get(51)).to.deep.include({
        type: 'trueFalse',
        answer: true,
        text: 'Elemen { dan } dalam CSS membungkus deklarasi: properti = nilai ~ contoh # selektor.',
      });
    });

    it('reads T, TRUE, F and FALSE, a single numeric answer with feedback, and [html]/[plain] markers', () => {
      for (const [answers, answer] of [
        ['{T}', true],
        ['{TRUE}', true],
        ['{F}', false],
        ['{FALSE}', false],
      ] as const) {
        expect(only(parseGift(`HTML adalah bahasa markup. ${answers}`))).to.deep.include({ type: 'trueFalse', answer });
      }
      expect(only(parseGift('[html]Berapa byte dalam 1 KiB?{#1024#Benar, 2 pangkat 10.}'))).to.deep.include({
        text: 'Berapa byte dalam 1 KiB?',
        answers: [{ value: 1024, tolerance: 0, fraction: 1, feedback: 'Benar, 2 pangkat 10.' }],
      });
      expect(only(parseGift('::Judul::[plain]Tulis kode HTML untuk baris baru.{=<br>}'))).to.deep.include({
        name: 'Judul',
        text: 'Tulis kode HTML untuk baris baru.',
      });
    });

    it('names every element and criterion with its unit: numbers alone under one unit, written with the unit under several', () => {
      const result = parseGift(
        [
          `// unit: ${unitA} element: 1 criteria: 1.1, 1.2`,
          'Satu unit: nomor saja cukup. {T}',
          '',
          `// unit: ${unitA} ${unitB} element: ${unitA}#1 ${unitB.toLowerCase()}#1`,
          `// criteria: ${unitA}#1.1, ${unitB}#1.1`,
          'Dua unit dengan KUK 1.1 masing-masing. {T}',
          '',
          `$CATEGORY: $course$/top/${unitA}/2`,
          '',
          '// criteria: 2.1',
          'Unit dan elemen dari kategori. {T}',
          '',
          `// unit: ${unitB} criteria: 3.1`,
          'Unit lain: elemen kategori (unit pertama) tidak ikut. {T}',
        ].join('\n'),
      );
      expect(result.problems).to.deep.equal([]);
      const tags = result.questions.map(({ line, content: { units, elements, criteria } }) => ({
        line,
        units,
        elements,
        criteria,
      }));
      expect(tags).to.deep.equal([
        { line: 2, units: [unitA], elements: [`${unitA}#1`], criteria: [`${unitA}#1.1`, `${unitA}#1.2`] },
        {
          line: 6,
          units: [unitA, unitB],
          elements: [`${unitA}#1`, `${unitB}#1`],
          criteria: [`${unitA}#1.1`, `${unitB}#1.1`],
        },
        { line: 11, units: [unitA], elements: [`${unitA}#2`], criteria: [`${unitA}#2.1`] },
        { line: 14, units: [unitB], elements: [], criteria: [`${unitB}#3.1`] },
      ]);
    });

    it('refuses a number whose unit is unclear, or a criterion of a unit the question does not name, at the question line', () => {
      const result = parseGift(
        [
          `// unit: ${unitA}, ${unitB} element: 1`,
          'Elemen 1 dari unit yang mana? {T}',
          '',
          '// criteria: 1.1',
          'KUK tanpa unit. {T}',
          '',
          `// unit: ${unitA} criteria: ${unitB}#1.1`,
          'KUK dari unit yang tidak disebut. {T}',
          '',
          `// unit: ${unitA}, ${unitB} criteria: ${unitA}#1.1, 1.2`,
          'Satu KUK dengan unit, satu tanpa. {T}',
        ].join('\n'),
      );
      expect(result.questions).to.deep.equal([]);
      expect(result.problems).to.deep.equal([
        {
          line: 2,
          message: 'assessments.import.gift.whichUnit',
          params: { ref: '1', units: `${unitA}, ${unitB}`, example: `${unitA}#1` },
        },
        { line: 5, message: 'assessments.import.gift.noUnit', params: { ref: '1.1' } },
        {
          line: 8,
          message: 'assessments.errors.refUnitNotListed',
          params: { ref: `${unitB}#1.1`, unit: unitB, field: 'criteria.0' },
        },
        {
          line: 11,
          message: 'assessments.import.gift.whichUnit',
          params: { ref: '1.2', units: `${unitA}, ${unitB}`, example: `${unitA}#1.2` },
        },
      ]);
      const t = translator('id');
      expect(t(result.problems[0]!.message, result.problems[0]!.params)).to.equal(
        `1 milik unit yang mana? Soal ini menyebut beberapa unit (${unitA}, ${unitB}): tulis bersama unitnya, misalnya ${unitA}#1.`,
      );
    });

    it('keeps a multi-line question text and reads comments inside the block', () => {
      const source = [
        '// unit: J.620100.004.02',
        'Perhatikan kode berikut:   ',
        '// komentar di tengah',
        '\tlet a = [1, 2, 3]\t',
        'Berapa panjang array a? {#3}',
      ].join('\n');
      expect(only(parseGift(source))).to.deep.include({
        text: 'Perhatikan kode berikut:\n\tlet a = [1, 2, 3]\nBerapa panjang array a?',
        units: ['J.620100.004.02'],
      });
    });

    it('reports each bad question at its first line with the reason, and still returns the good ones', () => {
      const result = parseGift(fixture('bad.gift'));
      expect(problemsOf(result)).to.deep.equal([
        { line: 3, message: 'assessments.import.gift.unclosedBrace' },
        { line: 7, message: 'assessments.import.gift.noCorrectAnswer' },
        { line: 9, message: 'assessments.import.gift.badWeight' },
        { line: 11, message: 'assessments.import.gift.notANumber' },
      ]);
      expect(result.problems[2]!.params).to.deep.equal({ weight: '%lima puluh%' });
      expect(result.problems[3]!.params).to.deep.equal({ value: 'tiga koma lima' });
      expect(result.questions.map((parsed) => parsed.line)).to.deep.equal([13]);
    });

    it('reports the other malformed questions with specific reasons', () => {
      const cases: [string, string][] = [
        ['Soal tanpa kurung kurawal.', 'assessments.import.gift.noAnswers'],
        ['Kurung tutup saja }', 'assessments.import.gift.unexpectedBrace'],
        ['Dua blok {=a ~b} dan {=c ~d}', 'assessments.import.gift.severalAnswerBlocks'],
        ['::Judul tanpa penutup {=a ~b}', 'assessments.import.gift.unclosedTitle'],
        ['Kredit sebagian di pilihan tunggal {=a ~%50%b ~c}', 'assessments.import.gift.singlePartialCredit'],
        ['Bobot di luar batas {=%150%a =b}', 'assessments.import.gift.badWeight'],
        ['Rentang terbalik {#5..1}', 'assessments.import.gift.badRange'],
        ['Pasangan tanpa panah {=a -> 1 =b}', 'assessments.import.gift.matchingArrow'],
        ['Jawaban tanpa tanda {Stack}', 'assessments.import.gift.answerMarker'],
        ['Dua jawaban benar {=a =b ~c}', 'assessments.errors.singleOneCorrect'],
        ['Satu pasangan saja {=a -> 1}', 'assessments.errors.matchingTooFew'],
        ['// shuffle: mungkin\nAcak? {=a ~b}', 'assessments.import.gift.badMetadata'],
        ['// unit: BUKAN-KODE\nKode unit salah {=a ~b}', 'validation.unitCode'],
        ['// points: nol\nPoin salah {=a ~b}', 'assessments.errors.notANumber'],
      ];
      for (const [source, message] of cases) {
        // A question's line is that of its text: comment lines above it come first.
        const line = 3 + source.split('\n').filter((each) => each.startsWith('//')).length;
        const result = parseGift(`// judul berkas\n\n${source}`);
        expect(problemsOf(result), source).to.deep.equal([{ line, message }]);
        expect(result.questions, source).to.deep.equal([]);
      }
    });

    it('reads a file with a byte-order mark, Windows line ends, tabs and trailing spaces like a clean one', () => {
      const clean = parseGift(fixture('bank.gift'));
      const messy = parseGift(`\uFEFF${fixture('bank.gift').replace(/\n/g, ' \t\r\n')}`);
      expect(messy.problems).to.deep.equal([]);
      expect(messy.questions).to.deep.equal(clean.questions);
    });
  });

  describe('Aiken', () => {
    it('reads single-choice questions with A. and A) options', () => {
      const result = parseAiken(fixture('bank.txt'));
      expect(result.problems).to.deep.equal([]);
      expect(result.questions.map((parsed) => parsed.line)).to.deep.equal([1, 8]);
      expect(result.questions[1]!.content).to.deep.include({
        type: 'single',
        text: 'Atribut HTML mana yang wajib diisi agar gambar dapat diakses pembaca layar?',
        options: [
          { id: 'a', text: 'src', correct: false },
          { id: 'b', text: 'alt', correct: true },
          { id: 'c', text: 'title', correct: false },
        ],
      });
    });

    it('reports a missing ANSWER, an answer letter with no option and fewer than 2 options, each at the question line', () => {
      const result = parseAiken(fixture('bad.txt'));
      expect(problemsOf(result)).to.deep.equal([
        { line: 1, message: 'assessments.import.aiken.missingAnswer' },
        { line: 5, message: 'assessments.import.aiken.answerNotAnOption' },
        { line: 10, message: 'assessments.import.aiken.tooFewOptions' },
      ]);
      expect(result.problems[1]!.params).to.deep.equal({ letter: 'D' });
      expect(result.questions.map((parsed) => parsed.line)).to.deep.equal([14]);
    });

    it('reports a question whose ANSWER is missing when the next question follows without a blank line, and one at the end', () => {
      const text = 'Soal satu?\nA. x\nB. y\nSoal dua?\nA. x\nB. y\nANSWER: A\n\nSoal tiga?\nA. x\nB. y\n';
      expect(problemsOf(parseAiken(text))).to.deep.equal([
        { line: 1, message: 'assessments.import.aiken.missingAnswer' },
        { line: 9, message: 'assessments.import.aiken.missingAnswer' },
      ]);
    });

    it('reads a BOM and Windows line ends', () => {
      const result = parseAiken(`\uFEFF${fixture('bank.txt').replace(/\n/g, '  \r\n')}`);
      expect(result.problems).to.deep.equal([]);
      expect(result.questions).to.deep.equal(parseAiken(fixture('bank.txt')).questions);
    });
  });

  describe('JSON', () => {
    it('reads our export format, validating each question with the question schema', () => {
      const result = parseJson(fixture('bank.json'));
      expect(result.problems).to.deep.equal([]);
      expect(result.questions.map((parsed) => [parsed.line, parsed.content.type])).to.deep.equal([
        [5, 'single'],
        [13, 'trueFalse'],
      ]);
    });

    it('reports each invalid question at the line it starts on', () => {
      const result = parseJson(fixture('bad.json'));
      expect(problemsOf(result)).to.deep.equal([
        { line: 10, message: 'assessments.errors.singleOneCorrect' },
        { line: 15, message: 'validation.choice' },
      ]);
      expect(result.problems[0]!.params).to.deep.equal({ field: 'options' });
      expect(result.questions.map((parsed) => parsed.line)).to.deep.equal([5]);
    });

    it('reports a syntax error with its line, another format and another version', () => {
      expect(problemsOf(parseJson('{\n  "format": "kompeten-questions",\n  "version": 1,\n  "questions": [,]\n}'))).to.deep.equal(
        [{ line: 4, message: 'assessments.import.json.syntax' }],
      );
      expect(problemsOf(parseJson('{"questions": []}'))).to.deep.equal([
        { line: 1, message: 'assessments.import.json.notOurFormat' },
      ]);
      expect(problemsOf(parseJson('{"format": "kompeten-questions", "version": 2, "questions": []}'))).to.deep.equal([
        { line: 1, message: 'assessments.import.json.version' },
      ]);
      expect(problemsOf(parseJson('{"format": "kompeten-questions", "version": 1}'))).to.deep.equal([
        { line: 1, message: 'assessments.import.json.noQuestions' },
      ]);
    });

    it('reads a BOM and Windows line ends', () => {
      const result = parseJson(`\uFEFF${fixture('bank.json').replace(/\n/g, '\r\n')}`);
      expect(result.problems).to.deep.equal([]);
      expect(result.questions).to.deep.equal(parseJson(fixture('bank.json')).questions);
    });
  });

  describe('detection, keys and limits', () => {
    it('tells the format from the file name or, failing that, from the content', () => {
      expect(detectFormat('', 'bank.gift')).to.equal('gift');
      expect(detectFormat('', 'Bank Soal.GIFT.txt')).to.equal('gift');
      expect(detectFormat('', 'soal.json')).to.equal('json');
      expect(detectFormat(fixture('bank.gift'), 'soal.txt')).to.equal('gift');
      expect(detectFormat(fixture('bank.txt'), 'soal.txt')).to.equal('aiken');
      expect(detectFormat(fixture('bank.json'))).to.equal('json');
      expect(detectFormat('{=Dua =2} ditambah dua sama dengan empat.')).to.equal('gift');
      expect(detectFormat('Selektor CSS `p { color: red }` memilih?\nA. Paragraf\nB. Tautan\nANSWER: A')).to.equal('aiken');
      expect(detectFormat('Hanya teks biasa.')).to.equal(undefined);
      expect(parseQuestions('Hanya teks biasa.', { fileName: 'catatan.txt' })).to.deep.equal({
        format: undefined,
        questions: [],
        problems: [{ line: 1, message: 'assessments.import.unknownFormat' }],
      });
      expect(parseQuestions(fixture('bank.txt'), { fileName: 'soal.txt' }).questions).to.have.length(2);
    });

    it('gives a question the same key on re-import, whatever its feedback, answer key, order of options or spacing', () => {
      const first = only(parseGift('Struktur data LIFO? {=Stack ~Queue ~Array}'));
      const again = parseGift(
        `// unit: ${unitA},${unitB} criteria: ${unitA}#1.1,${unitB}#1.1\nStruktur  data   LIFO?\n{~Queue ~Array =Stack#Benar}`,
      );
      const fixedKey = parseGift('Struktur data LIFO? {~Stack =Queue ~Array}');
      const keyOf = (result: ParseResult) => result.questions[0]!.key;
      const key = parseGift('Struktur data LIFO? {=Stack ~Queue ~Array}').questions[0]!.key;
      expect(first.type).to.equal('single');
      expect(key).to.match(/^[0-9a-f]{64}$/);
      expect(keyOf(again)).to.equal(key);
      expect(keyOf(fixedKey)).to.equal(key);
      // The same question from Aiken has the same key as from GIFT: a bank imported both ways holds it once.
      expect(keyOf(parseAiken('Struktur data LIFO?\nA. Stack\nB. Queue\nC. Array\nANSWER: A'))).to.equal(key);
      // Another option, another type or another text is another question.
      expect(keyOf(parseGift('Struktur data LIFO? {=Stack ~Queue ~Tree}'))).not.to.equal(key);
      expect(keyOf(parseGift('Struktur data LIFO? {=Stack =Tumpukan}'))).not.to.equal(key);
      expect(keyOf(parseGift('Struktur data FIFO? {=Stack ~Queue ~Array}'))).not.to.equal(key);
    });

    it('reports the same question twice in one file', () => {
      const result = parseGift('Struktur data LIFO? {=Stack ~Queue}\n\nStruktur data LIFO? {=Stack ~Queue}');
      expect(problemsOf(result)).to.deep.equal([{ line: 3, message: 'assessments.import.duplicate' }]);
      expect(result.problems[0]!.params).to.deep.equal({ firstLine: 1 });
    });

    it('stops at the question limit and reports a question too long', () => {
      const many = Array.from({ length: importLimits.questions + 5 }, (_, index) => `Soal ${index}? {T}`).join('\n\n');
      const result = parseGift(many);
      expect(result.questions).to.have.length(importLimits.questions);
      expect(problemsOf(result)).to.deep.equal([
        { line: importLimits.questions * 2 + 1, message: 'assessments.import.tooManyQuestions' },
      ]);
      const long = parseGift(`${'panjang '.repeat(importLimits.questionChars / 8 + 1)}{T}`);
      expect(problemsOf(long)).to.deep.equal([{ line: 1, message: 'assessments.import.questionTooLong' }]);
    });

    it('has every message in Indonesian and English', () => {
      const keys = new Set<string>();
      const sources = [
        parseGift(fixture('bad.gift')),
        parseAiken(fixture('bad.txt')),
        parseJson(fixture('bad.json')),
        parseJson('{'),
        parseJson('[]'),
        parseJson('{"format": "kompeten-questions", "version": 3}'),
        parseJson('{"format": "kompeten-questions", "version": 1}'),
        parseQuestions('teks'),
        parseGift('a\n\na'),
        parseGift(
          'a}\n\n::a {T}\n\na {=a} {=b}\n\na {=a ~%50%b}\n\na {#2..1}\n\na {=a -> b =c}\n\na {b}\n\n// shuffle: x\na {=a ~b}',
        ),
        parseGift('a {=x ~y}\n\na {=x ~y}'),
        parseGift(
          `// unit: ${unitA} ${unitB} criteria: 1.1\na {T}\n\n// criteria: 1.1\nb {T}\n\n// unit: ${unitA} criteria: ${unitB}#1.1\nc {T}`,
        ),
        parseAiken('ANSWER: A\n\nSoal?\nA. x\nA. y\nANSWER: A\n\nSoal?\nA. x\nB. y\nANSWER: ?'),
      ];
      for (const result of sources) for (const problem of result.problems) keys.add(problem.message);
      for (const key of [
        'assessments.import.tooManyQuestions',
        'assessments.import.questionTooLong',
        'assessments.import.gift.emptyAnswer',
      ])
        keys.add(key);
      for (const key of [
        'assessments.import.skipped.aikenSingleOnly',
        'assessments.import.skipped.aikenTooManyOptions',
        'assessments.import.skipped.giftArrow',
      ])
        keys.add(key);
      expect(keys.size).to.be.greaterThan(25);
      for (const language of languages) {
        const t = translator(language);
        for (const key of keys) expect(t(key), `${language}: ${key}`).not.to.equal(key);
      }
    });
  });

  describe('writing', () => {
    const common = {
      units: [unitA],
      elements: [`${unitA}#2`],
      criteria: [`${unitA}#2.1`, `${unitA}#2.2`],
      tags: ['array', 'latihan'],
    };
    // Two units with the same element and criterion numbers: each stays its unit's.
    const twoUnits = {
      units: [unitA, unitB],
      elements: [`${unitA}#1`, `${unitB}#1`],
      criteria: [`${unitA}#1.1`, `${unitB}#1.1`, `${unitB}#1.2`],
    };
    const all: QuestionContent[] = [
      question({
        type: 'single',
        name: 'Urutan: indeks',
        text: 'Perhatikan kode:\n\n```js\nconst a = {x: 1};\n```\nApa isi `a.x`? Gunakan \\n bila perlu ~ # =',
        ...common,
        points: 2.5,
        feedback: {
          general: 'Properti objek diakses dengan titik.',
          correct: 'Bagus!',
          partial: 'Hampir.',
          incorrect: 'Coba lagi.',
        },
        options: [
          { text: '1', correct: true, feedback: 'Benar: {x: 1}' },
          { text: 'undefined', feedback: 'Tidak, properti x ada.' },
          { text: 'x', correct: false },
        ],
        shuffle: false,
      }),
      question({
        type: 'multiple',
        text: 'Pilih struktur data dinamis.',
        ...common,
        options: [
          { text: 'Linked list', correct: true },
          { text: 'Stack', correct: true, feedback: 'Ya.' },
          { text: 'Array statis' },
        ],
      }),
      question({
        type: 'multiple',
        text: 'Tiga benar dari empat.',
        options: ['a', 'b', 'c', 'd'].map((text) => ({ text, correct: text !== 'd' })),
      }),
      question({
        type: 'trueFalse',
        text: 'Array di JavaScript dimulai dari indeks 0.',
        answer: true,
        feedbackTrue: 'Tepat.',
        feedbackFalse: 'Keliru.',
      }),
      question({ type: 'trueFalse', text: 'Queue bersifat LIFO.', answer: false, feedbackFalse: 'Benar, queue FIFO.' }),
      question({ type: 'trueFalse', text: 'Stack bersifat LIFO.', answer: true, feedbackFalse: 'Stack memang LIFO.' }),
      question({
        type: 'shortAnswer',
        text: 'Metode array untuk menambah elemen di akhir adalah ____().',
        answers: [
          { text: 'push', fraction: 1, feedback: 'Benar.' },
          { text: 'Array.prototype.push', fraction: 0.75 },
        ],
        caseSensitive: true,
        feedback: { general: 'Lihat dokumentasi MDN.' },
      }),
      question({
        type: 'numeric',
        text: 'Berapa hasil 7 / 2?',
        answers: [
          { value: 3.5, tolerance: 0.01, fraction: 1, feedback: 'Tepat.' },
          { value: 3, tolerance: 0, fraction: 0.5 },
          { value: -0.25, tolerance: 0.5, fraction: 0 },
        ],
      }),
      question({
        type: 'matching',
        text: 'Pasangkan struktur data dengan sifatnya.',
        ...common,
        pairs: [
          { prompt: 'Stack', match: 'LIFO' },
          { prompt: 'Queue', match: 'FIFO: first = first' },
        ],
        extraMatches: ['Acak'],
      }),
      question({
        type: 'essay',
        text: 'Jelaskan kelebihan linked list dibanding array.',
        minWords: 50,
        maxWords: 200,
        feedback: { general: 'Bahas memori.' },
      }),
      question({ type: 'essay', text: 'Ceritakan proyek web terakhir Anda.' }),
      question({ type: 'trueFalse', text: 'Mock-up dibuat sebelum kode.', answer: true, ...twoUnits }),
    ];

    it('writes GIFT that reads back to the same questions, for every type', () => {
      const written = toGift(all);
      expect(written.skipped).to.deep.equal([]);
      const result = parseGift(written.text);
      expect(result.problems).to.deep.equal([]);
      expect(result.questions.map((parsed) => parsed.content)).to.deep.equal(all);
    });

    it('writes GIFT Moodle reads: escapes, weights that add up, missing-word text as is', () => {
      const { text } = toGift(all.slice(0, 3));
      expect(text).to.include('::Urutan\\: indeks::[markdown]Perhatikan kode\\:\\n\\n```js\\nconst a \\= \\{x\\: 1\\};\\n```');
      expect(text).to.include('\t=1#Benar\\: \\{x\\: 1\\}');
      // One unit: the numbers alone, as people write them.
      expect(text).to.include('// unit: J.620100.004.02 element: 2 criteria: 2.1,2.2 points: 2.5 shuffle: no');
      // Several units: each element and criterion with its unit, or they would read back as ambiguous.
      expect(toGift(all.slice(-1)).text).to.equal(
        '// unit: J.620100.004.02,J.620100.005.02 element: J.620100.004.02#1,J.620100.005.02#1 criteria: J.620100.004.02#1.1,J.620100.005.02#1.1,J.620100.005.02#1.2\n' +
          '[markdown]Mock-up dibuat sebelum kode. {TRUE}\n',
      );
      expect(text).to.include('// [tag:array] [tag:latihan]');
      expect(text).to.include('\t~%50%Linked list\n\t~%50%Stack#Ya.\n\t~%-50%Array statis');
      expect(text).to.include('\t~%33.33333%a');
    });

    it('writes Aiken for single-choice questions only, listing the others as skipped, and reads it back', () => {
      const singles = [
        question({
          type: 'single',
          text: 'Struktur data FIFO adalah?',
          options: [{ text: 'Stack' }, { text: 'Queue', correct: true }],
        }),
        question({
          type: 'single',
          text: 'Atribut wajib pada tag img?',
          options: [{ text: 'alt', correct: true }, { text: 'title' }, { text: 'class' }],
        }),
      ];
      const written = toAiken([all[3]!, ...singles, all[9]!]);
      expect(written.skipped).to.deep.equal([
        { index: 0, message: 'assessments.import.skipped.aikenSingleOnly' },
        { index: 3, message: 'assessments.import.skipped.aikenSingleOnly' },
      ]);
      expect(written.text).to.equal(
        'Struktur data FIFO adalah?\nA. Stack\nB. Queue\nANSWER: B\n\nAtribut wajib pada tag img?\nA. alt\nB. title\nC. class\nANSWER: A\n',
      );
      const result = parseAiken(written.text);
      expect(result.problems).to.deep.equal([]);
      expect(result.questions.map((parsed) => parsed.content)).to.deep.equal(singles);
    });

    it('writes JSON that reads back to the same questions, for every type', () => {
      const written = toJson(all);
      expect(JSON.parse(written.text)).to.include({ format: 'kompeten-questions', version: 1 });
      const result = parseJson(written.text);
      expect(result.problems).to.deep.equal([]);
      expect(result.questions.map((parsed) => parsed.content)).to.deep.equal(all);
      // JSON holds elements and criteria with their units, whatever the number of units.
      expect(JSON.parse(written.text).questions.at(-1)).to.deep.include(twoUnits);
      expect(result.questions.map((parsed) => parsed.key)).to.deep.equal(
        parseGift(toGift(all).text).questions.map((parsed) => parsed.key),
      );
    });
  });
});
