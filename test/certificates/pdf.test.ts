import { expect } from 'chai';
import type { CertificateFacts } from '../../src/certificates/facts.js';
import { certificatePdf } from '../../src/certificates/pdf.js';
import { pdfInfo, pdfQrCode, pdfText } from './pdfText.js';

const verifyAt = 'https://lms.example.id/verify/7K3M-9QXP-2HDR';
const facts: CertificateFacts = {
  code: '7K3M-9QXP-2HDR',
  trainee: "Siti Nur'aini Hasibuan",
  program: { code: 'JWP-2025', title: 'Pemrogram Web Junior', version: 3 },
  hours: 240,
  units: [
    { code: 'J.620100.004.02', title: { id: 'Menggunakan Struktur Data', en: 'Using Data Structures' } },
    { code: 'J.620100.009.01', title: { id: 'Menggunakan Spesifikasi Program', en: 'Using Program Specifications' } },
  ],
  institution: { name: 'BBPVP Bandung', province: 'Jawa Barat' },
  approvedAt: new Date('2025-08-17T03:00:00Z'),
  intact: true,
};
/** pdftotext breaks lines where the page does: compare words, not lines. */
const words = (text: string) => text.replace(/\s+/g, ' ');

describe('certificate PDF', () => {
  let pdf: Buffer;
  before(async () => {
    pdf = await certificatePdf(facts, verifyAt);
  });

  it('is one A4 landscape page', async () => {
    const info = await pdfInfo(pdf);
    expect(info.pages).to.equal(1);
    expect(Math.round(info.width)).to.equal(842);
    expect(Math.round(info.height)).to.equal(595);
  });

  it('says everything in Indonesian, with English under it', async () => {
    const text = words(await pdfText(pdf));
    for (const expected of [
      'BBPVP Bandung',
      'Jawa Barat',
      'SERTIFIKAT PELATIHAN CERTIFICATE OF TRAINING',
      'Diberikan kepada Awarded to',
      "Siti Nur'aini Hasibuan",
      'Pemrogram Web Junior',
      'Kode program JWP-2025 · versi 3 · 240 jam pelajaran Program code JWP-2025 · version 3 · 240 training hours',
      'Unit kompetensi SKKNI yang dicakup (2) SKKNI competency units covered (2)',
      'J.620100.004.02 Menggunakan Struktur Data Using Data Structures',
      'J.620100.009.01 Menggunakan Spesifikasi Program Using Program Specifications',
      'Disetujui pada 17 Agustus 2025 Approved on 17 August 2025',
      verifyAt,
      '7K3M-9QXP-2HDR',
    ]) {
      expect(text).to.include(expected);
    }
  });

  it('has a QR code that leads to the verification page', async () => {
    expect(await pdfQrCode(pdf)).to.equal(verifyAt);
  });

  it('keeps names beyond Indonesian letters, and many units, on its one page', async () => {
    const units = Array.from({ length: 16 }, (_, n) => ({
      code: `J.620100.${String(n + 10).padStart(3, '0')}.01`,
      title: {
        id: `Menerapkan Prosedur Keselamatan Kerja Tahap ${n + 1}`,
        en: `Applying Work Safety Procedures, Stage ${n + 1}`,
      },
    }));
    const crowded = await certificatePdf({ ...facts, trainee: 'Nguyễn Thị Ánh Đào', units }, verifyAt);
    expect((await pdfInfo(crowded)).pages).to.equal(1);
    const text = words(await pdfText(crowded));
    expect(text).to.include('Nguyễn Thị Ánh Đào');
    for (const unit of units) expect(text).to.include(unit.code);
    expect(await pdfQrCode(crowded)).to.equal(verifyAt);
  });
});
