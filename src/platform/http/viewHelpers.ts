import type { NextFunction, Request, Response } from 'express';
import { type Action, can } from '../permissions.js';
import { provinceName, provinces } from '../provinces.js';
import { institutionZone } from '../zone.js';

type NavItem = { href: string; label: string };

/** The navigation a role sees. Each entry is shown only when the permission module allows it. */
function navigation(req: Request): NavItem[] {
  const t = req.t;
  if (!req.actor) return [];
  const items: (NavItem & { action?: Action })[] = [
    { href: '/dashboard', label: t('nav.dashboard') },
    { href: '/learning', label: t('nav.learning'), action: 'enrolment.apply' },
    { href: '/cohorts', label: t('nav.cohorts'), action: 'cohort.view' },
    { href: '/counselling', label: t('nav.counselling'), action: 'counselling.record' },
    { href: '/programs', label: t('nav.programs'), action: 'program.edit' },
    { href: '/units', label: t('nav.units'), action: 'unit.propose' },
    { href: '/catalogue', label: t('nav.catalogue') },
    { href: '/users', label: t('nav.users'), action: 'user.list' },
    { href: '/institutions', label: t('nav.institutions'), action: 'institution.manage' },
    { href: '/sectors', label: t('nav.sectors'), action: 'sector.manage' },
    // Certification hand-off (certification/): the trainee's request, batches, the LSP register.
    { href: '/certification', label: t('certification.nav.request'), action: 'certification.request' },
    { href: '/certification/batches', label: t('certification.nav.batches'), action: 'handoff.manage' },
    { href: '/lsps', label: t('certification.nav.lsps'), action: 'lsp.manage' },
    { href: '/profile', label: t('nav.profile') },
  ];
  return items.filter((item) => !item.action || can(req.actor, item.action));
}

/** A file size as people read it: "1 KB" at least (never "0 KB" for a small file), MB from 1 MB. */
export function formatSize(bytes: number, language: string): string {
  const locale = language === 'en' ? 'en-GB' : 'id-ID';
  if (bytes >= 1024 * 1024)
    return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytes / 1024 / 1024)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** What every view may use besides its own data. */
export function viewHelpers(req: Request, res: Response, next: NextFunction): void {
  res.locals.currentPath = req.path;
  res.locals.nav = navigation(req);
  res.locals.provinces = provinces;
  res.locals.provinceName = provinceName;
  res.locals.can = (action: Action, resource?: never) => can(req.actor, action, resource);
  res.locals.formatDate = (value: string | Date | null | undefined) =>
    value
      ? new Intl.DateTimeFormat(req.language === 'en' ? 'en-GB' : 'id-ID', {
          dateStyle: 'medium',
          timeStyle: 'short',
          timeZone: institutionZone.iana,
        }).format(new Date(value))
      : '';
  res.locals.formatDay = (value: string | Date | null | undefined) =>
    value
      ? new Intl.DateTimeFormat(req.language === 'en' ? 'en-GB' : 'id-ID', {
          dateStyle: 'medium',
          timeZone: institutionZone.iana,
        }).format(new Date(value))
      : '';
  res.locals.formatSize = (bytes: number) => formatSize(bytes, req.language);
  res.locals.values = {};
  res.locals.errors = {};
  next();
}
