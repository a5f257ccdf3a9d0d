import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

const here = path.dirname(fileURLToPath(import.meta.url));

const locals = {
  lang: 'id',
  title: 'Dasbor',
  currentPath: '/dashboard',
  csrfToken: 'x'.repeat(64),
  user: { name: 'Andi Pratama' },
  nav: [
    { href: '/dashboard', label: 'Dasbor' },
    { href: '/profile', label: 'Profil' },
  ],
  items: [
    { count: 3, label: 'Modul' },
    { count: 12, label: 'Pelajaran' },
    { count: 2, label: 'Penilaian' },
  ],
};

/** A bare Express 5 + EJS app rendering one page of a size like Kompeten's simple pages. */
export function createBaselineApp(): express.Express {
  const app = express();
  app.set('views', here);
  app.set('view engine', 'ejs');
  app.enable('view cache');
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.render('baseline', locals);
  });
  return app;
}
