import { type QuestionContentInput, questionContentSchema } from '../../src/assessments/questions.js';
import { otherUnit, unit } from './cohortFixture.js';

export const question = (content: QuestionContentInput) => questionContentSchema.parse(content);

/**
 * One question of each kind the quiz tests answer, on the fixture's first unit; on the second an
 * essay (alone under its tag) and a true/false question.
 */
export const bankContents = {
  single: question({
    type: 'single',
    text: 'Struktur data yang FIFO?',
    units: [unit],
    tags: ['dasar'],
    options: [
      { id: 'a', text: 'Antrian', correct: true },
      { id: 'b', text: 'Tumpukan' },
      { id: 'c', text: 'Pohon' },
    ],
  }),
  multiple: question({
    type: 'multiple',
    text: 'Mana yang linear?',
    units: [unit],
    tags: ['dasar'],
    points: 2,
    options: [
      { id: 'a', text: 'Array', correct: true },
      { id: 'b', text: 'Linked list', correct: true },
      { id: 'c', text: 'Graf' },
    ],
  }),
  trueFalse: question({ type: 'trueFalse', text: 'Array berukuran tetap.', units: [unit], answer: true }),
  shortAnswer: question({
    type: 'shortAnswer',
    text: 'Singkatan LIFO?',
    units: [unit],
    answers: [{ text: 'Last In First Out', fraction: 1 }],
  }),
  numeric: question({
    type: 'numeric',
    text: 'Indeks terakhir array 10 elemen?',
    units: [unit],
    answers: [{ value: 9, tolerance: 0, fraction: 1 }],
  }),
  matching: question({
    type: 'matching',
    text: 'Pasangkan.',
    units: [unit],
    pairs: [
      { id: 'p1', prompt: 'Antrian', match: 'FIFO' },
      { id: 'p2', prompt: 'Tumpukan', match: 'LIFO' },
    ],
  }),
  essay: question({ type: 'essay', text: 'Jelaskan hash table.', units: [otherUnit], tags: ['esai'] }),
  other1: question({ type: 'trueFalse', text: 'Mock-up dibuat sebelum kode.', units: [otherUnit], answer: true }),
};
