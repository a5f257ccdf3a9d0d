import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: two levels above this file, both from src/ (tsx) and dist/ (compiled). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const viewsDir = path.join(projectRoot, 'views');
export const publicDir = path.join(projectRoot, 'public');
export const localesDir = path.join(projectRoot, 'locales');

/**
 * The browser client of the installed Socket.IO server (the very version it speaks), served under
 * /public/js/vendor/. Found beside the package's own package.json, the one file its exports name.
 */
export const socketIoClientFile = path.join(
  path.dirname(createRequire(import.meta.url).resolve('socket.io/package.json')),
  'client-dist',
  'socket.io.min.js',
);

/**
 * Chart.js's UMD build (it sets `window.Chart`), served under /public/js/vendor/ like the Socket.IO
 * client. The package exports no package.json, so the build is found beside its CommonJS entry.
 */
export const chartJsFile = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
