import mongoose from 'mongoose';
import type { DomainEvents } from '../../src/platform/events.js';

const id = () => String(new mongoose.Types.ObjectId());

/** Domain events as the features publish them, for a trainee of a cohort (new ids unless given). */
export function eventsFor(place: { trainee?: string; cohort?: string; institution?: string } = {}) {
  const trainee = place.trainee ?? id();
  const cohort = place.cohort ?? id();
  const institution = place.institution ?? id();
  const at = new Date('2026-03-02T03:04:05.000Z');
  return {
    trainee,
    cohort,
    institution,
    lessonCompleted: (modules = [{ id: id(), title: 'Modul 1: Menulis kode HTML' }]): DomainEvents['lesson.completed'] => ({
      trainee,
      cohort,
      institution,
      lessons: [{ id: id(), title: 'Materi 1.1' }],
      modules,
      done: 3,
      total: 9,
      at,
    }),
    graded: (fields: Partial<DomainEvents['assessment.graded']> = {}): DomainEvents['assessment.graded'] => ({
      actor: null,
      trainee,
      cohort,
      institution,
      kind: 'quiz',
      assessment: id(),
      title: 'Kuis HTML dasar',
      score: 7.5,
      maxScore: 10,
      passed: true,
      at,
      ...fields,
    }),
    attended: (fields: Partial<DomainEvents['live.attended']> = {}): DomainEvents['live.attended'] => ({
      trainee,
      cohort,
      institution,
      session: id(),
      title: 'Kelas langsung: CSS Flexbox',
      minutes: 85,
      heldMinutes: 90,
      at,
      ...fields,
    }),
    verdict: (fields: Partial<DomainEvents['verdict.given']> = {}): DomainEvents['verdict.given'] => ({
      actor: id(),
      trainee,
      cohort,
      institution,
      unit: 'J.620100.004.02',
      unitTitle: { id: 'Menggunakan struktur data', en: 'Using data structures' },
      verdict: 'K',
      previous: null,
      at,
      ...fields,
    }),
  };
}
