import { expect } from 'chai';
import {
  gradeResponse,
  maxScore,
  type QuestionResponse,
  responseSchemaFor,
  scoreOf,
  seededShuffle,
  shuffledMatchChoices,
  shuffledOptionOrder,
} from '../../src/assessments/grading.js';
import {
  type MatchingQuestion,
  type MultipleQuestion,
  parseDecimal,
  type QuestionContent,
  type QuestionContentInput,
  questionContentSchema,
  type SingleQuestion,
  withIds,
} from '../../src/assessments/questions.js';
import { ValidationError } from '../../src/platform/errors.js';
import { translator } from '../../src/platform/i18n.js';
import { parseInput } from '../../src/platform/validation.js';

const question = <T extends QuestionContent = QuestionContent>(input: QuestionContentInput) =>
  questionContentSchema.parse(input) as T;

/** The field and i18n key of each refusal, as a form or the API would report them. */
function refusals(schema: Parameters<typeof parseInput>[0], input: unknown): { field: string; key: string }[] {
  try {
    parseInput(schema, input);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    return (error as ValidationError).fields.map(({ field, key }) => ({ field, key }));
  }
  expect.fail('the input was accepted');
}

const single = question<SingleQuestion>({
  type: 'single',
  text: 'Alat untuk mengencangkan baut heksagonal?',
  points: 2,
  options: [
    { text: 'Obeng', feedback: 'Obeng untuk sekrup.' },
    { text: 'Kunci pas', correct: true, feedback: 'Ya, kunci pas.' },
    { text: 'Tang' },
  ],
  feedback: { correct: 'Benar!', incorrect: 'Belum tepat.', general: 'Lihat modul 2.' },
});

const multiple = question<MultipleQuestion>({
  type: 'multiple',
  text: 'Mana yang termasuk APD?',
  points: 3,
  options: [
    { text: 'Helm', correct: true },
    { text: 'Sarung tangan', correct: true },
    { text: 'Kacamata', correct: true },
    { text: 'Obeng' },
    { text: 'Palu' },
  ],
  feedback: { partial: 'Sebagian benar.' },
});

const matching = question<MatchingQuestion>({
  type: 'matching',
  text: 'Jodohkan alat dengan fungsinya.',
  points: 3,
  pairs: [
    { prompt: 'Obeng', match: 'Sekrup' },
    { prompt: 'Kunci pas', match: 'Baut' },
    { prompt: 'Palu', match: 'Paku' },
  ],
  extraMatches: ['Lem'],
});

describe('questions: content and automatic grading', () => {
  describe('single choice', () => {
    it('gives full marks for the correct option, with its feedback, then the right-answer and general feedback', () => {
      expect(gradeResponse(single, 'b')).to.deep.equal({ fraction: 1, feedback: ['Ya, kunci pas.', 'Benar!', 'Lihat modul 2.'] });
    });
    it('gives nothing for a wrong option or no answer', () => {
      expect(gradeResponse(single, 'a')).to.deep.equal({
        fraction: 0,
        feedback: ['Obeng untuk sekrup.', 'Belum tepat.', 'Lihat modul 2.'],
      });
      expect(gradeResponse(single, null).fraction).to.equal(0);
      expect(gradeResponse(single, '').fraction).to.equal(0);
      expect(gradeResponse(single, undefined).fraction).to.equal(0);
    });
  });

  describe('multiple response', () => {
    it('gives full marks for exactly the correct options', () => {
      expect(gradeResponse(multiple, ['a', 'b', 'c']).fraction).to.equal(1);
      expect(scoreOf(multiple, 1)).to.equal(3);
    });
    it('gives partial credit: (right picks - wrong picks) / correct options, never below 0', () => {
      expect(gradeResponse(multiple, ['a', 'b'])).to.deep.equal({ fraction: 2 / 3, feedback: ['Sebagian benar.'] });
      expect(scoreOf(multiple, gradeResponse(multiple, ['a', 'b']).fraction)).to.equal(2);
      expect(gradeResponse(multiple, ['a']).fraction).to.be.closeTo(1 / 3, 1e-12);
      expect(scoreOf(multiple, gradeResponse(multiple, ['a']).fraction)).to.equal(1);
      expect(gradeResponse(multiple, ['a', 'b', 'd']).fraction).to.be.closeTo(1 / 3, 1e-12);
      // Ticking everything is not a way to full marks.
      expect(gradeResponse(multiple, ['a', 'b', 'c', 'd', 'e']).fraction).to.be.closeTo(1 / 3, 1e-12);
      expect(gradeResponse(multiple, ['a', 'd', 'e']).fraction).to.equal(0);
      expect(gradeResponse(multiple, ['d']).fraction).to.equal(0);
    });
    it('gives nothing for no answer, and counts a double tap once', () => {
      expect(gradeResponse(multiple, []).fraction).to.equal(0);
      expect(gradeResponse(multiple, null).fraction).to.equal(0);
      const response = responseSchemaFor(multiple).parse(['a', 'a', 'b']);
      expect(response).to.deep.equal(['a', 'b']);
      expect(gradeResponse(multiple, ['a', 'a']).fraction).to.be.closeTo(1 / 3, 1e-12);
    });
  });

  describe('true/false', () => {
    const statement = question({
      type: 'trueFalse',
      text: 'Helm wajib dipakai di bengkel.',
      answer: true,
      feedbackFalse: 'Helm melindungi kepala.',
    });
    it('grades right, wrong and blank, with the feedback for the answer given', () => {
      expect(gradeResponse(statement, true)).to.deep.equal({ fraction: 1, feedback: [] });
      expect(gradeResponse(statement, false)).to.deep.equal({ fraction: 0, feedback: ['Helm melindungi kepala.'] });
      expect(gradeResponse(statement, null).fraction).to.equal(0);
    });
    it("reads a form's 'true' and 'false'", () => {
      expect(responseSchemaFor(statement).parse('false')).to.equal(false);
      expect(responseSchemaFor(statement).parse('')).to.equal(null);
    });
  });

  describe('short answer', () => {
    const short = question({
      type: 'shortAnswer',
      text: 'Alat ukur tegangan listrik?',
      answers: [
        { text: 'Volt meter', fraction: 1, feedback: 'Tepat.' },
        { text: 'Multimeter', fraction: 0.5, feedback: 'Bisa, tetapi lebih umum.' },
      ],
    });
    it('accepts an answer whatever its case, outer and inner spaces, and character width', () => {
      for (const given of ['Volt meter', 'volt meter', '  VOLT   meter ', 'Volt\tmeter', 'Ｖｏｌｔ meter']) {
        expect(gradeResponse(short, given), given).to.deep.equal({ fraction: 1, feedback: ['Tepat.'] });
      }
    });
    it('gives the partial credit of a lesser answer, and nothing for a wrong or blank one', () => {
      expect(gradeResponse(short, 'multimeter')).to.deep.equal({ fraction: 0.5, feedback: ['Bisa, tetapi lebih umum.'] });
      expect(gradeResponse(short, 'voltmeter').fraction).to.equal(0);
      expect(gradeResponse(short, '   ').fraction).to.equal(0);
      expect(gradeResponse(short, null).fraction).to.equal(0);
    });
    it('respects case when the question asks for it', () => {
      const formula = question({
        type: 'shortAnswer',
        text: 'Rumus kimia air?',
        caseSensitive: true,
        answers: [{ text: 'H2O', fraction: 1 }],
      });
      expect(gradeResponse(formula, ' H2O ').fraction).to.equal(1);
      expect(gradeResponse(formula, 'h2o').fraction).to.equal(0);
    });
  });

  describe('numeric', () => {
    const numeric = question({
      type: 'numeric',
      text: 'Diameter baut (mm)?',
      points: 4,
      answers: [
        { value: '3,5', tolerance: '0,1', fraction: 1, feedback: 'Tepat.' },
        { value: 3.5, tolerance: 0.5, fraction: 0.5, feedback: 'Hampir.' },
      ],
    });
    it('reads the Indonesian decimal comma, the decimal point, spaces and numbers alike', () => {
      for (const given of ['3,5', '3.5', ' 3.5 ', ' 3,50', 3.5, '+3.5']) {
        expect(gradeResponse(numeric, given), String(given)).to.deep.equal({ fraction: 1, feedback: ['Tepat.'] });
      }
    });
    it('counts the tolerance edges in, despite binary floating point (3.6 - 3.5 > 0.1)', () => {
      expect(gradeResponse(numeric, '3,6').fraction).to.equal(1);
      expect(gradeResponse(numeric, '3.4').fraction).to.equal(1);
      expect(gradeResponse(numeric, '3,61')).to.deep.equal({ fraction: 0.5, feedback: ['Hampir.'] });
      expect(gradeResponse(numeric, '4').fraction).to.equal(0.5);
      expect(gradeResponse(numeric, '3').fraction).to.equal(0.5);
      expect(gradeResponse(numeric, '4,01').fraction).to.equal(0);
      expect(gradeResponse(numeric, '2.99').fraction).to.equal(0);
      expect(scoreOf(numeric, gradeResponse(numeric, '4').fraction)).to.equal(2);
    });
    it('gives nothing for text that is no number, or a blank', () => {
      expect(gradeResponse(numeric, 'tiga koma lima').fraction).to.equal(0);
      expect(gradeResponse(numeric, '3,5,1').fraction).to.equal(0);
      expect(gradeResponse(numeric, '').fraction).to.equal(0);
      expect(gradeResponse(numeric, null).fraction).to.equal(0);
    });
    it('reads thousands grouped with either mark when both marks appear', () => {
      expect(parseDecimal('1.234,5')).to.equal(1234.5);
      expect(parseDecimal('1,234.5')).to.equal(1234.5);
      expect(parseDecimal('1.000.000')).to.equal(1_000_000);
      expect(parseDecimal('−2,5')).to.equal(-2.5);
      expect(parseDecimal('12.34,5')).to.equal(null);
      expect(parseDecimal('')).to.equal(null);
      expect(parseDecimal('Infinity')).to.equal(null);
    });
  });

  describe('matching', () => {
    it('gives full marks for every pair matched, a share for some, nothing for none or blank', () => {
      const right = { a: 'Sekrup', b: 'Baut', c: 'Paku' };
      expect(gradeResponse(matching, right).fraction).to.equal(1);
      expect(gradeResponse(matching, { a: 'Sekrup', b: 'Paku', c: 'Baut' }).fraction).to.be.closeTo(1 / 3, 1e-12);
      expect(gradeResponse(matching, { a: 'Sekrup', b: 'Baut' }).fraction).to.be.closeTo(2 / 3, 1e-12);
      expect(scoreOf(matching, gradeResponse(matching, { a: 'Sekrup', b: 'Baut', c: 'Lem' }).fraction)).to.equal(2);
      expect(gradeResponse(matching, { a: 'Lem', b: 'Lem', c: 'Lem' }).fraction).to.equal(0);
      expect(gradeResponse(matching, null).fraction).to.equal(0);
      expect(gradeResponse(matching, {}).fraction).to.equal(0);
    });
  });

  describe('essay', () => {
    const essay = question({ type: 'essay', text: 'Jelaskan prosedur K3 di bengkel.', feedback: { general: 'Lihat SOP.' } });
    it('waits for the instructor (null), unless left blank', () => {
      expect(gradeResponse(essay, 'Memakai APD, ...')).to.deep.equal({ fraction: null, feedback: ['Lihat SOP.'] });
      expect(scoreOf(essay, null)).to.equal(null);
      expect(gradeResponse(essay, '  ').fraction).to.equal(0);
    });
  });

  describe('scores', () => {
    it('is worth its points, and a fraction of them rounded to 2 decimals', () => {
      expect(maxScore(single)).to.equal(2);
      expect(scoreOf(single, 1)).to.equal(2);
      expect(scoreOf(single, 0)).to.equal(0);
      const one = question({ ...questionInput(single), points: 1 });
      expect(scoreOf(one, 2 / 3)).to.equal(0.67);
      expect(scoreOf(question({ ...questionInput(single), points: '1,5' }), 1)).to.equal(1.5);
    });
  });

  describe('the content schema', () => {
    const id = translator('id');
    const en = translator('en');
    const cases: { name: string; input: unknown; field: string; key: string; id: string; en: string }[] = [
      {
        name: 'single choice with two correct options',
        input: {
          type: 'single',
          text: 'Q',
          options: [
            { text: 'x', correct: true },
            { text: 'y', correct: true },
          ],
        },
        field: 'options',
        key: 'assessments.errors.singleOneCorrect',
        id: 'Pilihan tunggal harus punya tepat satu jawaban benar.',
        en: 'A single-choice question must have exactly one correct answer.',
      },
      {
        name: 'single choice with none correct',
        input: { type: 'single', text: 'Q', options: [{ text: 'x' }, { text: 'y' }] },
        field: 'options',
        key: 'assessments.errors.singleOneCorrect',
        id: 'Pilihan tunggal harus punya tepat satu jawaban benar.',
        en: 'A single-choice question must have exactly one correct answer.',
      },
      {
        name: 'multiple response without a correct option',
        input: { type: 'multiple', text: 'Q', options: [{ text: 'x' }, { text: 'y' }] },
        field: 'options',
        key: 'assessments.errors.multipleNoCorrect',
        id: 'Pilihan ganda kompleks harus punya paling sedikit satu jawaban benar.',
        en: 'A multiple-response question must have at least one correct answer.',
      },
      {
        name: 'a choice question with one option',
        input: { type: 'multiple', text: 'Q', options: [{ text: 'x', correct: true }] },
        field: 'options',
        key: 'assessments.errors.tooFewOptions',
        id: 'Soal pilihan harus punya paling sedikit 2 pilihan.',
        en: 'A choice question needs at least 2 options.',
      },
      {
        name: 'short answer without a full-marks answer',
        input: { type: 'shortAnswer', text: 'Q', answers: [{ text: 'x', fraction: 0.5 }] },
        field: 'answers',
        key: 'assessments.errors.noFullAnswer',
        id: 'Harus ada paling sedikit satu jawaban bernilai penuh (1).',
        en: 'At least one answer must be worth full marks (1).',
      },
      {
        name: 'numeric with a negative tolerance',
        input: { type: 'numeric', text: 'Q', answers: [{ value: 3, tolerance: '-0,1', fraction: 1 }] },
        field: 'answers.0.tolerance',
        key: 'assessments.errors.toleranceNegative',
        id: 'Toleransi tidak boleh negatif.',
        en: 'The tolerance cannot be negative.',
      },
      {
        name: 'numeric with a value that is no number',
        input: { type: 'numeric', text: 'Q', answers: [{ value: 'tiga', fraction: 1 }] },
        field: 'answers.0.value',
        key: 'assessments.errors.notANumber',
        id: 'Bukan angka. Tulis misalnya 3,5 atau 3.5.',
        en: 'Not a number. Write, for example, 3.5 or 3,5.',
      },
      {
        name: 'matching with one pair',
        input: { type: 'matching', text: 'Q', pairs: [{ prompt: 'a', match: 'b' }] },
        field: 'pairs',
        key: 'assessments.errors.matchingTooFew',
        id: 'Soal menjodohkan harus punya paling sedikit 2 pasangan.',
        en: 'A matching question needs at least 2 pairs.',
      },
      {
        name: 'matching with the same prompt twice (case and spaces aside)',
        input: {
          type: 'matching',
          text: 'Q',
          pairs: [
            { prompt: 'Obeng', match: 'Sekrup' },
            { prompt: ' obeng ', match: 'Baut' },
          ],
        },
        field: 'pairs.1.prompt',
        key: 'assessments.errors.matchingDuplicatePrompt',
        id: 'Pernyataan ini sudah ada di pasangan lain; setiap pernyataan harus berbeda.',
        en: 'Another pair already has this prompt; every prompt must be different.',
      },
      {
        name: 'no points',
        input: { type: 'trueFalse', text: 'Q', answer: true, points: 0 },
        field: 'points',
        key: 'assessments.errors.pointsPositive',
        id: 'Poin harus lebih dari 0 dan paling banyak 1000.',
        en: 'Points must be more than 0 and at most 1000.',
      },
      {
        name: 'empty question text',
        input: { type: 'trueFalse', text: '   ', answer: true },
        field: 'text',
        key: 'validation.required',
        id: 'Wajib diisi.',
        en: 'Required.',
      },
      {
        name: 'two options with the same id',
        input: {
          type: 'single',
          text: 'Q',
          options: [
            { id: 'x', text: 'x', correct: true },
            { id: 'x', text: 'y' },
          ],
        },
        field: 'options.1.id',
        key: 'assessments.errors.duplicateId',
        id: 'Kode pilihan ini sudah dipakai pilihan lain di soal yang sama.',
        en: 'Another choice of this question already uses this code.',
      },
      {
        name: 'a performance criterion without its unit',
        input: { type: 'essay', text: 'Q', units: ['J.620100.004.02'], criteria: ['1.1'] },
        field: 'criteria.0',
        key: 'assessments.errors.criterionRef',
        id: 'Kriteria unjuk kerja ditulis bersama unitnya, misalnya J.620100.004.02#1.1.',
        en: 'A performance criterion is written with its unit, such as J.620100.004.02#1.1.',
      },
      {
        name: 'an element without its unit',
        input: { type: 'essay', text: 'Q', units: ['J.620100.004.02'], elements: ['1'] },
        field: 'elements.0',
        key: 'assessments.errors.elementRef',
        id: 'Elemen ditulis bersama unitnya, misalnya J.620100.004.02#1.',
        en: 'An element is written with its unit, such as J.620100.004.02#1.',
      },
      {
        name: 'an essay whose maximum is below its minimum',
        input: { type: 'essay', text: 'Q', minWords: 200, maxWords: 100 },
        field: 'maxWords',
        key: 'assessments.errors.essayWordRange',
        id: 'Jumlah kata maksimum harus sama dengan atau lebih dari minimumnya.',
        en: 'The maximum number of words must be at least the minimum.',
      },
    ];
    for (const refusal of cases) {
      it(`refuses ${refusal.name}, saying so in Indonesian and English`, () => {
        expect(refusals(questionContentSchema, refusal.input)).to.deep.include({ field: refusal.field, key: refusal.key });
        expect(id(refusal.key)).to.equal(refusal.id);
        expect(en(refusal.key)).to.equal(refusal.en);
      });
    }

    it('keeps the same criterion number of two units apart, each named with its unit', () => {
      const tagged = question({
        type: 'essay',
        text: 'Q',
        units: ['J.620100.004.02', 'j.620100.005.02'],
        elements: ['J.620100.004.02#1', 'j.620100.005.02#1'],
        criteria: ['J.620100.004.02#1.1', 'j.620100.005.02#1.1'],
      });
      expect(tagged).to.deep.include({
        units: ['J.620100.004.02', 'J.620100.005.02'],
        elements: ['J.620100.004.02#1', 'J.620100.005.02#1'],
        criteria: ['J.620100.004.02#1.1', 'J.620100.005.02#1.1'],
      });
    });

    it('refuses an element or criterion of a unit the question is not tagged with, naming it in Indonesian and English', () => {
      const input = {
        type: 'essay',
        text: 'Q',
        units: ['J.620100.004.02'],
        elements: ['J.620100.004.02#1'],
        criteria: ['J.620100.004.02#1.1', 'J.620100.005.02#1.1'],
      };
      let fields: { field: string; key: string; params?: Record<string, unknown> }[] = [];
      try {
        parseInput(questionContentSchema, input);
        expect.fail('the input was accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(ValidationError);
        fields = (error as ValidationError).fields;
      }
      expect(fields).to.deep.equal([
        {
          field: 'criteria.1',
          key: 'assessments.errors.refUnitNotListed',
          params: { ref: 'J.620100.005.02#1.1', unit: 'J.620100.005.02' },
        },
      ]);
      expect(id(fields[0]!.key, fields[0]!.params)).to.equal(
        'J.620100.005.02#1.1 termasuk unit J.620100.005.02, padahal soal ini tidak ditandai dengan unit itu. Centang juga unitnya, atau hapus centang J.620100.005.02#1.1.',
      );
      expect(en(fields[0]!.key, fields[0]!.params)).to.equal(
        'J.620100.005.02#1.1 belongs to unit J.620100.005.02, which the question is not tagged with. Tick the unit too, or untick J.620100.005.02#1.1.',
      );
    });

    it('gives options and pairs without ids the ids of their positions, the same on every import', () => {
      const input: QuestionContentInput = {
        type: 'single',
        text: 'Q',
        options: [{ text: 'x' }, { text: 'y', correct: true }, { text: 'z' }],
      };
      const first = question<SingleQuestion>(input);
      expect(first.options.map((option) => option.id)).to.deep.equal(['a', 'b', 'c']);
      expect(question(input)).to.deep.equal(first);
      expect(matching.pairs.map((pair) => pair.id)).to.deep.equal(['a', 'b', 'c']);
      // Ids given are kept; a missing one never collides with them.
      expect(withIds([{ id: 'b' }, {}, { id: 'a' }]).map((choice) => choice.id)).to.deep.equal(['b', 'd', 'a']);
      expect(
        withIds(Array.from({ length: 28 }, () => ({})))
          .map((choice) => choice.id)
          .slice(24),
      ).to.deep.equal(['y', 'z', 'aa', 'ab']);
    });

    it('fills in the defaults: 1 point, shuffled options, case-insensitive answers', () => {
      const plain = question({ type: 'shortAnswer', text: 'Q', answers: [{ text: 'x', fraction: 1 }] });
      expect(plain).to.include({ points: 1, caseSensitive: false });
      expect(plain.feedback).to.deep.equal({});
      expect(question<SingleQuestion>(questionInput(single)).shuffle).to.equal(true);
    });
  });

  describe('what a trainee may answer', () => {
    it('refuses an option the question does not have', () => {
      expect(refusals(responseSchemaFor(single), 'z')).to.deep.equal([{ field: '_', key: 'assessments.errors.unknownOption' }]);
      expect(refusals(responseSchemaFor(multiple), ['a', 'zz'])).to.deep.equal([
        { field: '1', key: 'assessments.errors.unknownOption' },
      ]);
      expect(translator('id')('assessments.errors.unknownOption')).to.equal('Pilihan ini tidak ada di soal.');
      expect(translator('en')('assessments.errors.unknownOption')).to.equal('This option is not in the question.');
    });
    it('takes matching answers only for its own pairs and from its own matches', () => {
      expect(refusals(responseSchemaFor(matching), { a: 'Sekrup', x: 'Baut' })).to.deep.equal([
        { field: 'x', key: 'assessments.errors.unknownPair' },
      ]);
      expect(refusals(responseSchemaFor(matching), JSON.parse('{"__proto__": "Baut"}'))).to.deep.equal([
        { field: '__proto__', key: 'assessments.errors.unknownPair' },
      ]);
      expect(refusals(responseSchemaFor(matching), { a: 'Obeng' })).to.deep.equal([
        { field: 'a', key: 'assessments.errors.unknownMatch' },
      ]);
      expect(responseSchemaFor(matching).parse({ a: ' Lem ', b: '' })).to.deep.equal({ a: 'Lem' });
    });
    it('accepts each type its own answer, and a blank as null', () => {
      const accepted: [QuestionContent, unknown, QuestionResponse | null][] = [
        [single, 'b', 'b'],
        [single, '', null],
        [multiple, [], null],
        [matching, {}, null],
        [question({ type: 'numeric', text: 'Q', answers: [{ value: 1, fraction: 1 }] }), '3,5', '3,5'],
        [question({ type: 'essay', text: 'Q' }), 'Jawaban', 'Jawaban'],
      ];
      for (const [asked, given, stored] of accepted) expect(responseSchemaFor(asked).parse(given)).to.deep.equal(stored);
      expect(refusals(responseSchemaFor(single), ['b'])).to.have.length(1);
    });
  });

  describe('order of choices per attempt', () => {
    const manyInput = {
      type: 'single',
      text: 'Q',
      options: Array.from({ length: 8 }, (_, index) => ({ text: `option ${index}`, correct: index === 0 })),
    } as const;
    const many = question<SingleQuestion>(manyInput);
    const ids = many.options.map((option) => option.id);

    it('is the same for the same attempt and question, on any call', () => {
      expect(shuffledOptionOrder(many, 'attempt-1:question-1')).to.deep.equal(shuffledOptionOrder(many, 'attempt-1:question-1'));
      expect(shuffledMatchChoices(matching, 'attempt-1:question-2')).to.deep.equal(
        shuffledMatchChoices(matching, 'attempt-1:question-2'),
      );
    });
    it('differs across attempts, and loses or repeats nothing', () => {
      const orders = Array.from({ length: 20 }, (_, attempt) => shuffledOptionOrder(many, `attempt-${attempt}:question-1`));
      expect(new Set(orders.map((order) => order.join())).size).to.be.greaterThan(15);
      for (const order of orders) expect([...order].sort()).to.deep.equal(ids);
      const matches = shuffledMatchChoices(matching, 'attempt-1:question-2');
      expect([...matches].sort()).to.deep.equal(['Baut', 'Lem', 'Paku', 'Sekrup']);
    });
    it('puts every option first about equally often', () => {
      const firsts = new Map<string, number>();
      for (let attempt = 0; attempt < 800; attempt += 1) {
        const first = shuffledOptionOrder(many, `attempt-${attempt}`)[0] as string;
        firsts.set(first, (firsts.get(first) ?? 0) + 1);
      }
      expect(firsts.size).to.equal(8);
      for (const count of firsts.values()) expect(count).to.be.within(60, 140); // 100 expected
    });
    it('keeps the order of a question that asks for it, and of an empty or one-item list', () => {
      const fixed = question<SingleQuestion>({ ...manyInput, shuffle: false });
      expect(shuffledOptionOrder(fixed, 'attempt-1')).to.deep.equal(ids);
      expect(seededShuffle([], 'x')).to.deep.equal([]);
      expect(seededShuffle(['only'], 'x')).to.deep.equal(['only']);
    });
  });
});

/** A parsed question back as input, to vary one field of it. */
function questionInput(parsed: QuestionContent): QuestionContentInput {
  return structuredClone(parsed) as QuestionContentInput;
}
