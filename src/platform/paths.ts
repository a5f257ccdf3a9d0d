import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: two levels above this file, both from src/ (tsx) and dist/ (compiled). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const viewsDir = path.join(projectRoot, 'views');
export const publicDir = path.join(projectRoot, 'public');
export const localesDir = path.join(projectRoot, 'locales');
