import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import i18next, { type TFunction } from 'i18next';
import { localesDir } from './paths.js';

export const languages = ['id', 'en'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'id';
export const languageCookie = 'lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

type Messages = { [key: string]: string | Messages };

/** Merges one feature's messages into the rest; two features defining the same key is a bug. */
function merge(into: Messages, from: Messages, where: string): Messages {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (typeof value === 'object' && typeof existing === 'object') merge(existing, value, `${where}.${key}`);
    else if (existing !== undefined) throw new Error(`Translation ${where}.${key} is defined twice`);
    else into[key] = value;
  }
  return into;
}

/** Each feature keeps its messages in locales/<language>/<feature>.json. */
function loadMessages(language: Language): Messages {
  const folder = path.join(localesDir, language);
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .reduce<Messages>((all, file) => merge(all, JSON.parse(readFileSync(path.join(folder, file), 'utf8')), language), {});
}

const resources = Object.fromEntries(languages.map((language) => [language, { translation: loadMessages(language) }]));

// One shared instance, initialised synchronously (resources given, initAsync off), so importing
// this module needs no top-level await; every request takes a fixed-language `t` from it.
const instance = i18next.createInstance();
void instance.init({
  resources,
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  interpolation: { escapeValue: false }, // EJS escapes on output
  returnNull: false,
  initAsync: false,
});

export function translator(language: Language): TFunction {
  return instance.getFixedT(language);
}

/**
 * The user's language: on the API the Accept-Language header; on pages their saved choice when
 * logged in, else the `lang` cookie, else the browser's Accept-Language; else Indonesian.
 */
export function chooseLanguage(req: Request): Language {
  // An API client states its language per request; a browser always sends its own, so on pages
  // the account's saved choice wins over the header.
  if (req.originalUrl.startsWith('/api/') && req.headers['accept-language']) {
    const asked = req.acceptsLanguages(...languages);
    if (isLanguage(asked)) return asked;
  }
  const saved = (req.user as { language?: unknown } | undefined)?.language;
  if (isLanguage(saved)) return saved;
  const cookie = req.cookies?.[languageCookie];
  if (isLanguage(cookie)) return cookie;
  const accepted = req.acceptsLanguages(...languages);
  return isLanguage(accepted) ? accepted : defaultLanguage;
}

export function languageMiddleware(req: Request, res: Response, next: NextFunction): void {
  const language = chooseLanguage(req);
  req.language = language;
  req.t = translator(language);
  res.locals.lang = language;
  res.locals.t = req.t;
  res.setHeader('Content-Language', language);
  next();
}

declare global {
  namespace Express {
    interface Request {
      language: Language;
      t: TFunction;
    }
  }
}
