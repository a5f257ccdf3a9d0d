import { expect } from 'chai';
import supertest from 'supertest';
import { buildTestApp } from '../support/app.js';
import { useTestDatabase } from '../support/database.js';

describe('landing page', () => {
  useTestDatabase(import.meta.url);
  const app = buildTestApp();

  it('says what Kompeten does today, in lines each feature adds, and promises nothing that is not there', async () => {
    const page = await supertest(app).get('/').set('Accept-Language', 'id').expect(200);
    expect(page.text).to.include('Cari program pelatihan di katalog');
    expect(page.text).to.include('Belajar dari ponsel, juga saat sinyal hilang');
    expect(page.text).to.include('Beri konseling calon peserta');
    expect(page.text).to.include('Susun program, modul, dan materi');
    expect(page.text).to.include('Kerjakan kuis berwaktu dari ponsel');
    expect(page.text).to.include('Buat bank soal (juga impor GIFT/Aiken), kuis, tugas dan observasi praktik');
    expect(page.text).to.include('Unduh sertifikat pelatihan dan lencana digital');
    expect(page.text).to.include('Setujui kelulusan menurut aturan program');
    expect(page.text).to.include('href="/verify"');
    const english = await supertest(app).get('/').set('Accept-Language', 'en').expect(200);
    expect(english.text).to.include('Find training programs in the catalogue');
    expect(english.text).to.include('Take timed quizzes on a phone');
    expect(english.text).to.include('Download a certificate of training');
    // Live classes and their attendance are not promised on the landing page yet.
    for (const notYet of ['live class', 'attendance']) {
      expect(english.text.toLowerCase(), notYet).not.to.include(notYet);
    }
  });
});
