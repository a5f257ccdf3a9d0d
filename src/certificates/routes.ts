import type { NextFunction, Request, Response } from 'express';
import type { FeatureContext } from '../app.js';
import { requireLogin } from '../auth/passport.js';
import { normaliseCode, type RecordView, recordLinksSlot } from '../completion/records.js';
import { acceptTextFile } from '../files/textUpload.js';
import { NotFoundError, ValidationError } from '../platform/errors.js';
import { form } from '../platform/http/forms.js';
import { issuerProfile } from './issuer.js';
import { certificateLinks } from './links.js';
import { certificateFileName, certificateOf, credentialOf } from './service.js';
import { statusListOf, statusListTtlSeconds } from './statusList.js';
import { publicBase, verifyPath } from './urls.js';
import { checkCode, checkCredential, credentialLimitBytes, type Revoked } from './verify.js';

const param = (req: Request, name: string) => String(req.params[name]);
const clientAddress = (req: Request) => req.ip ?? 'unknown';
const styles = ['/css/certificates.css'];

/** The verification pages are for people holding a code, not for search engines (errors included). */
function noIndex(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

/** What every state of the verification page needs besides its result. */
const verifyLocals = (req: Request) => ({
  title: req.t('certificates.verify.title'),
  styles,
  code: '',
  result: null,
  limitKb: Math.round(credentialLimitBytes / 1024),
});

const revokedLocals = (req: Request, download: { record: RecordView; revoked: Revoked }) => ({
  title: req.t('certificates.revoked.title'),
  styles,
  revoked: download.revoked,
  verifyHref: verifyPath(download.record.code),
});

/** Public documents that verifiers anywhere may fetch (from a browser too): JSON-LD, no cookies needed. */
function sendPublicJsonLd(res: Response, document: unknown, maxAgeSeconds: number): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  res.type('application/ld+json').send(JSON.stringify(document, null, 2));
}

export function registerCertificateRoutes({
  web,
  sessionSecret,
  publicUrl,
  linkSlots,
  highlights,
}: FeatureContext & { publicUrl?: string }): void {
  highlights.add('trainees', 'certificates.highlight');
  const base = (req: Request) => publicBase(req, publicUrl);
  // A completion record's page offers its certificate, credential and verification page.
  linkSlots.add<RecordView>(recordLinksSlot, (record, t) => {
    const links = certificateLinks(record);
    return [
      ...(links.certificate ? [{ href: links.certificate, label: t('certificates.links.pdf'), download: true }] : []),
      ...(links.credential ? [{ href: links.credential, label: t('certificates.links.credential'), download: true }] : []),
      { href: links.verify, label: t('certificates.links.verify') },
    ];
  });

  // --- the trainee's (and the cohort staff's) downloads ------------------------------------------
  web.get('/certificates/:recordId.pdf', requireLogin, async (req, res) => {
    const download = await certificateOf(req.actor!, param(req, 'recordId'), base(req));
    if (download.kind === 'revoked') {
      res.status(410).render('certificates/revoked', revokedLocals(req, download));
      return;
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment(certificateFileName(download.record, 'pdf')).type('application/pdf').send(download.file);
  });
  web.get('/certificates/:recordId/credential.json', requireLogin, async (req, res) => {
    const download = await credentialOf(req.actor!, param(req, 'recordId'), base(req), sessionSecret);
    if (download.kind === 'revoked') {
      res.status(410).render('certificates/revoked', revokedLocals(req, download));
      return;
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment(certificateFileName(download.record, 'json')).type('application/json').send(download.file);
  });

  // --- the public verification page ----------------------------------------------------------------
  web.get('/verify', noIndex, (req, res) => {
    const typed = typeof req.query.code === 'string' ? normaliseCode(req.query.code).slice(0, 20) : null;
    // The code form sends ?code=: its page is the code's own address, to share or bookmark.
    if (typed) return res.redirect(303, verifyPath(typed));
    res.render('certificates/verify', {
      ...verifyLocals(req),
      values: {},
      errors: typed === '' ? { code: req.t('certificates.verify.codeMissing') } : {},
    });
  });
  web.get('/verify/:code', noIndex, async (req, res) => {
    const code = param(req, 'code');
    const result = await checkCode(code, clientAddress(req));
    res.render('certificates/verify', {
      ...verifyLocals(req),
      code: result.state === 'unknown' ? code.slice(0, 20) : result.facts.code,
      result: { source: 'code', ...result },
      values: {},
      errors: {},
    });
  });
  web.post(
    '/verify/credential',
    noIndex,
    form('certificates/verify', (req) => verifyLocals(req)),
    acceptTextFile({
      limitBytes: credentialLimitBytes,
      tooLargeKey: 'certificates.verify.tooLarge',
      missingKey: 'certificates.verify.credentialMissing',
    }),
    async (req, res) => {
      const pasted = typeof req.body?.credential === 'string' ? req.body.credential : '';
      const text = req.file ? req.file.buffer.toString('utf8') : pasted;
      if (!text.trim()) throw new ValidationError([{ field: 'credential', key: 'certificates.verify.credentialMissing' }]);
      if (Buffer.byteLength(text) > credentialLimitBytes) {
        throw new ValidationError([{ field: 'credential', key: 'certificates.verify.tooLarge' }]);
      }
      const result = await checkCredential(text, clientAddress(req), sessionSecret);
      res.render('certificates/verify', {
        ...verifyLocals(req),
        result: { source: 'credential', ...result },
        values: {},
        errors: {},
      });
    },
  );

  // --- what verifiers resolve: the issuer's profile and keys, and its revocation list -------------
  web.get('/institutions/:institutionId/issuer', async (req, res) => {
    const profile = await issuerProfile(base(req), param(req, 'institutionId'));
    if (!profile) throw new NotFoundError();
    sendPublicJsonLd(res, profile, 3600);
  });
  web.get('/institutions/:institutionId/status/revocation', async (req, res) => {
    const list = await statusListOf(base(req), param(req, 'institutionId'), sessionSecret);
    if (!list) throw new NotFoundError();
    // Cached for the list's ttl; after that a verifier asks again with If-None-Match and gets 304
    // while nothing was revoked (Express compares the ETag).
    res.setHeader('ETag', list.etag);
    sendPublicJsonLd(res, list.credential, statusListTtlSeconds);
  });
}
