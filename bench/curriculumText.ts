/**
 * Words for the benchmark's curriculum: competency units, programs and lessons that read like
 * Indonesian vocational material, built deterministically from an index so every run seeds the same.
 */

/** A small seeded generator (mulberry32), so the text is the same on every run. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(items: readonly T[], index: number): T => items[index % items.length]!;

type Subject = readonly [id: string, en: string];
export type SectorWords = {
  code: string;
  /** Unit code groups: six digits (`J.620100`) or two digits, three letters, two digits (`C.28LOG20`). */
  groups: readonly string[];
  decree: string;
  year: number;
  subjects: readonly Subject[];
  programs: readonly string[];
  /** Program code prefix. */
  abbr: string;
};

export const sectorWords: readonly SectorWords[] = [
  {
    code: 'ict',
    groups: ['J.620100', 'J.620200', 'J.620900', 'J.631100', 'J.631200', 'J.611000', 'J.612000'],
    decree: 'Kepmenaker 282/2016',
    year: 2016,
    abbr: 'TIK',
    subjects: [
      ['jaringan komputer', 'computer networks'],
      ['jaringan nirkabel', 'wireless networks'],
      ['basis data', 'databases'],
      ['struktur data', 'data structures'],
      ['antarmuka pengguna', 'user interfaces'],
      ['keamanan informasi', 'information security'],
      ['kode program', 'program code'],
      ['perangkat lunak aplikasi', 'application software'],
      ['layanan web', 'web services'],
      ['sistem operasi', 'operating systems'],
      ['server aplikasi', 'application servers'],
      ['pengujian perangkat lunak', 'software testing'],
      ['dokumentasi teknis', 'technical documentation'],
      ['algoritma pemrograman', 'programming algorithms'],
      ['komputasi awan', 'cloud computing'],
      ['aplikasi bergerak', 'mobile applications'],
    ],
    programs: [
      'Junior Web Programmer',
      'Junior Network Administrator',
      'Operator Komputer Madya',
      'Pemrogram Basis Data',
      'Junior Mobile Programmer',
      'Analis Keamanan Siber Muda',
      'Teknisi Jaringan Komputer',
      'Penguji Perangkat Lunak',
    ],
  },
  {
    code: 'manufacturing',
    groups: ['C.28LOG20', 'C.28LOG07', 'C.24LAS01', 'C.25MES03', 'C.27LIS02'],
    decree: 'Kepmenaker 105/2018',
    year: 2018,
    abbr: 'MFG',
    subjects: [
      ['mesin bubut', 'lathes'],
      ['mesin frais', 'milling machines'],
      ['pengelasan busur manual', 'manual arc welding'],
      ['gambar teknik', 'technical drawings'],
      ['alat ukur presisi', 'precision measuring tools'],
      ['sistem pneumatik', 'pneumatic systems'],
      ['sistem hidrolik', 'hydraulic systems'],
      ['panel listrik industri', 'industrial electrical panels'],
      ['motor listrik', 'electric motors'],
      ['perawatan mesin produksi', 'production machine maintenance'],
      ['pengendalian mutu', 'quality control'],
      ['mesin CNC', 'CNC machines'],
      ['perakitan komponen', 'component assembly'],
      ['pelat logam', 'sheet metal'],
      ['sistem kendali PLC', 'PLC control systems'],
      ['pemotongan logam', 'metal cutting'],
    ],
    programs: [
      'Operator Mesin Bubut',
      'Juru Las SMAW',
      'Teknisi Perawatan Mesin',
      'Operator CNC',
      'Drafter Manufaktur',
      'Teknisi Instalasi Listrik',
      'Pemeriksa Mutu Produksi',
      'Teknisi Otomasi Industri',
    ],
  },
  {
    code: 'tourism',
    groups: ['I.55HDR00', 'I.55FBS00', 'I.56RES00', 'I.79TRV00'],
    decree: 'Kepmenaker 7/2019',
    year: 2019,
    abbr: 'PAR',
    subjects: [
      ['layanan kamar', 'room service'],
      ['tata graha', 'housekeeping'],
      ['kantor depan', 'front office'],
      ['reservasi tamu', 'guest reservations'],
      ['tata hidang', 'food and beverage service'],
      ['pengolahan makanan kontinental', 'continental cooking'],
      ['pengolahan makanan Indonesia', 'Indonesian cooking'],
      ['minuman non-alkohol', 'non-alcoholic beverages'],
      ['pemanduan wisata', 'tour guiding'],
      ['perjalanan wisata', 'travel arrangements'],
      ['keluhan tamu', 'guest complaints'],
      ['higiene dan sanitasi', 'hygiene and sanitation'],
      ['binatu hotel', 'hotel laundry'],
      ['pastri dan roti', 'pastry and bread'],
      ['acara dan konvensi', 'events and conventions'],
      ['penjualan paket wisata', 'tour package sales'],
    ],
    programs: [
      'Room Attendant',
      'Resepsionis Hotel',
      'Pramusaji Restoran',
      'Juru Masak Muda',
      'Pemandu Wisata',
      'Barista',
      'Staf Tata Graha',
      'Pembuat Pastri',
    ],
  },
  {
    code: 'agriculture',
    groups: ['A.01TAN01', 'A.01TAN02', 'A.01HRT00', 'A.03PER00'],
    decree: 'Kepmenaker 56/2018',
    year: 2018,
    abbr: 'TAN',
    subjects: [
      ['jaringan irigasi', 'irrigation networks'],
      ['pembibitan tanaman', 'plant nurseries'],
      ['pemupukan tanaman', 'plant fertilising'],
      ['hama dan penyakit tanaman', 'plant pests and diseases'],
      ['panen hortikultura', 'horticultural harvests'],
      ['pascapanen', 'post-harvest handling'],
      ['budidaya ikan air tawar', 'freshwater fish farming'],
      ['pakan ternak', 'livestock feed'],
      ['kesehatan ternak', 'livestock health'],
      ['hidroponik', 'hydroponics'],
      ['pengolahan tanah', 'soil preparation'],
      ['pupuk organik', 'organic fertiliser'],
      ['alat mesin pertanian', 'agricultural machinery'],
      ['kebun sayuran', 'vegetable gardens'],
      ['tanaman perkebunan', 'plantation crops'],
      ['pemasaran hasil pertanian', 'marketing farm produce'],
    ],
    programs: [
      'Petani Hortikultura',
      'Teknisi Irigasi',
      'Pembudidaya Ikan',
      'Peternak Unggas',
      'Operator Alat Mesin Pertanian',
      'Pengelola Pembibitan',
      'Petani Hidroponik',
      'Penyuluh Pertanian Swadaya',
    ],
  },
  {
    code: 'construction',
    groups: ['F.410000', 'F.421000', 'F.432000', 'F.439000'],
    decree: 'Kepmenaker 193/2021',
    year: 2021,
    abbr: 'KON',
    subjects: [
      ['pasangan bata', 'brickwork'],
      ['bekisting', 'formwork'],
      ['pembesian beton', 'concrete reinforcement'],
      ['pengecoran beton', 'concrete pouring'],
      ['instalasi pipa air bersih', 'clean water pipework'],
      ['instalasi listrik bangunan', 'building wiring'],
      ['rangka atap baja ringan', 'light steel roof trusses'],
      ['plesteran dinding', 'wall plastering'],
      ['pengecatan bangunan', 'building painting'],
      ['pengukuran lahan', 'land surveying'],
      ['perancah', 'scaffolding'],
      ['keramik lantai', 'floor tiling'],
      ['gambar kerja bangunan', 'building working drawings'],
      ['rencana anggaran biaya', 'cost estimates'],
      ['jalan dan jembatan', 'roads and bridges'],
      ['pekerjaan tanah', 'earthworks'],
    ],
    programs: [
      'Tukang Bata',
      'Tukang Besi Beton',
      'Tukang Pipa',
      'Juru Gambar Bangunan',
      'Mandor Pembesian',
      'Tukang Cat Bangunan',
      'Juru Ukur',
      'Pelaksana Lapangan',
    ],
  },
  {
    code: 'automotive',
    groups: ['G.452000', 'G.453000', 'G.454000'],
    decree: 'Kepmenaker 300/2014',
    year: 2014,
    abbr: 'OTO',
    subjects: [
      ['sistem rem', 'brake systems'],
      ['sistem kemudi', 'steering systems'],
      ['mesin bensin', 'petrol engines'],
      ['mesin diesel', 'diesel engines'],
      ['sistem injeksi bahan bakar', 'fuel injection systems'],
      ['sistem kelistrikan kendaraan', 'vehicle electrical systems'],
      ['sistem pendingin udara kendaraan', 'vehicle air conditioning'],
      ['transmisi manual', 'manual transmissions'],
      ['transmisi otomatis', 'automatic transmissions'],
      ['suspensi', 'suspension'],
      ['roda dan ban', 'wheels and tyres'],
      ['sepeda motor', 'motorcycles'],
      ['diagnosis kerusakan mesin', 'engine fault diagnosis'],
      ['pengecatan bodi kendaraan', 'vehicle body painting'],
      ['perbaikan bodi kendaraan', 'vehicle body repair'],
      ['servis berkala', 'periodic servicing'],
    ],
    programs: [
      'Mekanik Mobil Bensin',
      'Mekanik Sepeda Motor',
      'Teknisi Kelistrikan Otomotif',
      'Mekanik Mesin Diesel',
      'Teknisi AC Kendaraan',
      'Pengecat Bodi Kendaraan',
      'Teknisi Chassis',
      'Service Advisor',
    ],
  },
  {
    code: 'creative',
    groups: ['M.74DKV00', 'J.59FLM00', 'C.14BSN00', 'J.58PBT00'],
    decree: 'Kepmenaker 38/2019',
    year: 2019,
    abbr: 'EKR',
    subjects: [
      ['desain grafis', 'graphic design'],
      ['fotografi produk', 'product photography'],
      ['videografi', 'videography'],
      ['penyuntingan video', 'video editing'],
      ['animasi dua dimensi', '2D animation'],
      ['ilustrasi digital', 'digital illustration'],
      ['tata letak publikasi', 'publication layout'],
      ['pola busana', 'garment patterns'],
      ['menjahit busana', 'garment sewing'],
      ['batik tulis', 'hand-drawn batik'],
      ['kerajinan kayu', 'woodcraft'],
      ['konten media sosial', 'social media content'],
      ['naskah iklan', 'advertising copy'],
      ['tata suara', 'sound engineering'],
      ['identitas merek', 'brand identity'],
      ['pemasaran digital', 'digital marketing'],
    ],
    programs: [
      'Desainer Grafis Muda',
      'Fotografer Produk',
      'Editor Video',
      'Animator 2D',
      'Penjahit Busana',
      'Pembatik',
      'Kreator Konten Digital',
      'Digital Marketer',
    ],
  },
];

type Verb = readonly [id: string, en: string];
const verbs: readonly Verb[] = [
  ['Menerapkan', 'Apply'],
  ['Mengidentifikasi', 'Identify'],
  ['Melakukan Pemeliharaan', 'Maintain'],
  ['Menyusun Rencana', 'Plan'],
  ['Mengoperasikan', 'Operate'],
  ['Memasang', 'Install'],
  ['Menguji', 'Test'],
  ['Membuat', 'Build'],
  ['Mengelola', 'Manage'],
  ['Merancang', 'Design'],
  ['Menganalisis', 'Analyse'],
  ['Mengevaluasi', 'Evaluate'],
  ['Menyiapkan', 'Prepare'],
  ['Memperbaiki', 'Repair'],
  ['Mendokumentasikan', 'Document'],
  ['Mengkonfigurasi', 'Configure'],
  ['Memeriksa', 'Inspect'],
  ['Mengawasi', 'Supervise'],
  ['Melaksanakan Prosedur', 'Carry Out Procedures for'],
  ['Memecahkan Masalah', 'Troubleshoot'],
];
const qualifiers: readonly (readonly [id: string, en: string])[] = [
  ['', ''],
  [' Tingkat Dasar', ' (Basic)'],
  [' Tingkat Lanjut', ' (Advanced)'],
  [' Sesuai Standar Industri', ' to Industry Standards'],
  [' Secara Mandiri', ' Independently'],
  [' dalam Tim', ' in a Team'],
  [' Skala Kecil', ' on a Small Scale'],
  [' Skala Menengah', ' on a Medium Scale'],
  [' di Lapangan', ' in the Field'],
  [' Berbasis Proyek', ' in Projects'],
];

const capitalise = (text: string) =>
  text.replace(/(^|\s)(\p{Ll})/gu, (_match, space: string, letter: string) => space + letter.toUpperCase());

/** The k-th unit of a sector: its code, titles and the rest of a complete SKKNI unit. */
export function unitText(sector: SectorWords, k: number) {
  const group = pick(sector.groups, k);
  const n = Math.floor(k / sector.groups.length);
  const unitNo = String((n % 999) + 1).padStart(3, '0');
  const version = Math.floor(n / 999) + 1;
  const sixDigits = /^[A-Z]\.\d{6}$/.test(group);
  const code = `${group}.${unitNo}.${sixDigits ? String(version).padStart(2, '0') : String(version)}`;
  const [subjectId, subjectEn] = pick(sector.subjects, k);
  const [verbId, verbEn] = pick(verbs, Math.floor(k / sector.subjects.length));
  const [qualifierId, qualifierEn] = pick(qualifiers, Math.floor(k / (sector.subjects.length * verbs.length)));
  const title = {
    id: `${verbId} ${capitalise(subjectId)}${qualifierId}`,
    en: `${verbEn} ${capitalise(subjectEn)}${qualifierEn}`,
  };
  const elementTitles = [
    `Menyiapkan pekerjaan ${subjectId}`,
    `Melaksanakan pekerjaan ${subjectId}`,
    `Memeriksa hasil pekerjaan ${subjectId}`,
    'Membuat laporan hasil pekerjaan',
  ];
  const criteriaTexts = [
    `Kebutuhan pekerjaan ${subjectId} diidentifikasi sesuai instruksi kerja.`,
    'Peralatan dan bahan disiapkan sesuai prosedur operasional standar.',
    'Langkah kerja dilaksanakan sesuai urutan dan ketentuan keselamatan kerja.',
    'Hasil pekerjaan diperiksa sesuai spesifikasi yang ditetapkan.',
    'Ketidaksesuaian dicatat dan dilaporkan kepada atasan.',
    'Dokumen hasil kerja disusun sesuai format yang berlaku di tempat kerja.',
  ];
  const elementCount = 2 + (k % 3);
  const elements = Array.from({ length: elementCount }, (_unused, e) => ({
    no: e + 1,
    title: elementTitles[e]!,
    criteria: Array.from({ length: 2 + ((k + e) % 3) }, (_none, c) => ({
      no: `${e + 1}.${c + 1}`,
      text: pick(criteriaTexts, e + c * 2 + k),
    })),
  }));
  return {
    subject: subjectId,
    input: {
      code,
      title,
      description: `Unit kompetensi ini berhubungan dengan pengetahuan, keterampilan, dan sikap kerja yang dibutuhkan untuk ${title.id.toLowerCase()} di tempat kerja.`,
      standard: { decree: sector.decree, year: sector.year },
      sector: sector.code,
      hours: 8 + (k % 9) * 4,
      elements,
      variableContext: `Konteks variabel: unit ini berlaku untuk pekerjaan ${subjectId} di industri, bengkel pelatihan atau tempat kerja sejenis. Peralatan yang digunakan meliputi alat tangan, alat ukur dan alat pelindung diri sesuai kebutuhan pekerjaan.`,
      assessmentGuidance: {
        prerequisites: [],
        knowledge: [`Prinsip dasar ${subjectId}`, 'Prosedur keselamatan dan kesehatan kerja'],
        skills: [`Menggunakan peralatan ${subjectId}`, 'Membaca instruksi kerja'],
        attitudes: ['Teliti', 'Bertanggung jawab', 'Taat prosedur'],
        criticalAspects: [`Ketepatan dalam ${pick(elementTitles, k + 1).toLowerCase()}`],
      },
    },
  };
}

const programQualifiers = ['Tingkat Dasar', 'Tingkat Lanjut', 'Kelas Reguler', 'Kelas Akhir Pekan', 'Berbasis Proyek'];
const prerequisiteTexts = [
  'Lulus SMA/SMK atau sederajat.',
  'Lulus SMP atau sederajat dan berusia paling rendah 17 tahun.',
  'Lulus SMK jurusan yang relevan atau berpengalaman kerja satu tahun.',
];

export function programText(sector: SectorWords, p: number, indexInSector: number, subjects: string[]) {
  const name = pick(sector.programs, indexInSector);
  const title = `${name} ${pick(programQualifiers, Math.floor(indexInSector / sector.programs.length))}`;
  return {
    code: `${sector.abbr}-${String(p + 1).padStart(4, '0')}`,
    title,
    description: [
      `Pelatihan ${title} membekali peserta dengan kompetensi ${subjects.slice(0, 3).join(', ')} dan ${subjects[3] ?? subjects[0]} sesuai Standar Kompetensi Kerja Nasional Indonesia.`,
      'Peserta belajar secara daring melalui materi, video dan latihan, lalu membuktikan kompetensinya dengan tugas praktik yang dinilai instruktur.',
      'Lulusan yang dinyatakan kompeten dapat mengikuti uji kompetensi di Lembaga Sertifikasi Profesi dan dibantu penempatan kerjanya oleh pengantar kerja.',
    ].join(' '),
    level: 2 + (p % 3),
    prerequisites: pick(prerequisiteTexts, p),
  };
}

export const lessonTopics = [
  'Pengantar',
  'Konsep dasar',
  'Persiapan alat dan bahan',
  'Prosedur kerja',
  'Praktik terbimbing',
  'Studi kasus',
  'Keselamatan kerja pada',
  'Pemeriksaan hasil',
  'Dokumentasi',
  'Rangkuman dan latihan',
];

const sentences = [
  'Pekerjaan ini dilakukan sesuai instruksi kerja yang berlaku di perusahaan dan memperhatikan standar mutu yang telah ditetapkan.',
  'Sebelum memulai, periksa kondisi peralatan dan pastikan alat pelindung diri sudah dipakai dengan benar.',
  'Catat setiap langkah yang dilakukan agar hasil pekerjaan dapat ditelusuri kembali oleh atasan atau rekan kerja.',
  'Jika menemukan ketidaksesuaian, hentikan pekerjaan sejenak dan laporkan kepada penyelia sebelum melanjutkan.',
  'Perhatikan urutan langkah kerja, karena kesalahan kecil pada tahap awal dapat berakibat besar pada hasil akhir.',
  'Gunakan bahan secara efisien dan pisahkan sisa bahan sesuai ketentuan pengelolaan limbah di tempat kerja.',
  'Diskusikan hasil latihan dengan instruktur melalui forum kelas atau saat kelas daring berlangsung.',
  'Di dunia kerja, kemampuan ini sering diuji melalui observasi langsung oleh asesor dari Lembaga Sertifikasi Profesi.',
  'Bandingkan hasil pekerjaan dengan contoh yang diberikan, lalu tandai bagian yang masih perlu diperbaiki.',
  'Bekerja dengan rapi dan teliti membantu menghindari kecelakaan kerja serta kerugian bahan dan waktu.',
  'Waktu pengerjaan yang disarankan sudah memperhitungkan jeda istirahat dan pemeriksaan ulang.',
  'Materi ini dapat dibaca ulang kapan saja, juga dari telepon genggam dengan sambungan internet yang lambat.',
  'Simpan dokumen hasil kerja dalam format yang diminta agar mudah dinilai dan dijadikan bukti kompetensi.',
  'Kerja sama dengan rekan satu tim sangat menentukan kelancaran pekerjaan yang melibatkan beberapa tahap.',
  'Ikuti petunjuk produsen peralatan dan jangan mengubah pengaturan tanpa izin dari penanggung jawab.',
  'Kesalahan yang umum terjadi adalah melewatkan pemeriksaan awal, sehingga masalah baru terlihat di akhir pekerjaan.',
];
const objectives = [
  'menjelaskan tujuan dan ruang lingkup pekerjaan',
  'menyiapkan peralatan dan bahan sesuai kebutuhan',
  'melaksanakan langkah kerja sesuai prosedur',
  'memeriksa hasil kerja terhadap spesifikasi',
  'mencatat dan melaporkan hasil pekerjaan',
  'menerapkan prinsip keselamatan dan kesehatan kerja',
  'mengenali kesalahan umum dan cara mencegahnya',
];
const steps = [
  'Baca instruksi kerja dan gambar kerja dengan cermat.',
  'Siapkan alat pelindung diri dan periksa kelengkapannya.',
  'Periksa kondisi peralatan sebelum digunakan.',
  'Ukur dan tandai bagian yang akan dikerjakan.',
  'Kerjakan langkah utama sesuai urutan yang ditentukan.',
  'Periksa hasil dengan alat ukur yang sesuai.',
  'Bersihkan area kerja dan kembalikan peralatan ke tempatnya.',
  'Isi lembar laporan dan serahkan kepada instruktur.',
];

/** A lesson body in Markdown, between about 2 and 4 KB, different for each seed. */
export function lessonMarkdown(seed: number): string {
  const random = randomFrom(seed);
  const any = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const paragraph = () => Array.from({ length: 3 + Math.floor(random() * 3) }, () => any(sentences)).join(' ');
  const target = 2000 + Math.floor(random() * 1400);
  const parts = [
    '## Tujuan pembelajaran',
    'Setelah mempelajari materi ini, peserta mampu:',
    Array.from({ length: 3 }, () => `- ${any(objectives)}`).join('\n'),
    '## Uraian materi',
    paragraph(),
    paragraph(),
    '### Langkah kerja',
    Array.from({ length: 4 + Math.floor(random() * 3) }, (_unused, i) => `${i + 1}. ${any(steps)}`).join('\n'),
  ];
  if (random() < 0.5) {
    parts.push(
      '| Alat atau bahan | Fungsi | Catatan |\n| --- | --- | --- |\n| Alat pelindung diri | Melindungi pekerja | Wajib dipakai |\n| Alat ukur | Memeriksa ukuran | Kalibrasi berkala |\n| Lembar kerja | Mencatat hasil | Diserahkan ke instruktur |',
    );
  }
  parts.push(`> **Keselamatan kerja:** ${any(sentences)}`);
  while (parts.join('\n\n').length < target - 300) parts.push(paragraph());
  parts.push('## Rangkuman', paragraph(), 'Bacaan lanjutan: [SKKNI di situs Kemnaker](https://skkni.kemnaker.go.id/).');
  return parts.join('\n\n');
}
