import type { Request, Response } from 'express';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { form } from '../platform/http/forms.js';
import { consentTextVersion, parseProfile } from './profileSchemas.js';
import { myCertification, photoOf, saveProfile, withdrawConsent } from './profiles.js';
import { resultsForTrainee } from './results/service.js';

/**
 * The trainee's certification page: their approved records, the form that asks for
 * certification (NIK, place and date of birth, photo, consent), and the LSP's results.
 */
export function registerRequestRoutes({ web, files }: Pick<FeatureContext, 'web' | 'files'>): void {
  const pageLocals = async (req: Request) => {
    const certification = await myCertification(req.actor!);
    return {
      title: req.t('certification.request.title'),
      styles: ['/css/certification.css'],
      certification,
      consentTextVersion,
      results: await resultsForTrainee(req.actor!),
      photoMaxMb: files.maxMb.image,
      saved: req.query.saved === '1',
      // A form shown again after errors: the photo chosen was not kept, and must be chosen again.
      photoNotKept: req.method === 'POST' && Boolean(req.file),
      withdrawn: req.query.withdrawn === '1',
      values: certification.profile
        ? {
            nik: certification.profile.nik,
            placeOfBirth: certification.profile.placeOfBirth,
            dateOfBirth: certification.profile.dateOfBirth,
          }
        : {},
      errors: {},
    };
  };
  web.get('/certification', requirePermission('certification.request'), async (req, res) => {
    res.render('certification/request', await pageLocals(req));
  });

  web.post(
    '/certification/profile',
    requirePermission('certification.request'),
    form('certification/request', pageLocals),
    files.acceptUpload({
      field: 'photo',
      kinds: ['image'],
      types: ['image/jpeg', 'image/png'],
      webImage: true,
      required: false,
      // Checked before the photo is kept: a form that comes back with errors stores nothing.
      checkFields: (req) => {
        parseProfile(req.body);
      },
    }),
    async (req: Request, res: Response) => {
      await saveProfile(req.actor!, parseProfile(req.body), req.storedFile, {
        ip: req.ip ?? '',
        removeFile: (file) => files.removeStoredFile(file),
      });
      res.redirect(303, '/certification?saved=1');
    },
  );

  web.post('/certification/profile/withdraw', requirePermission('certification.request'), async (req, res) => {
    await withdrawConsent(req.actor!, (file) => files.removeStoredFile(file));
    res.redirect(303, '/certification?withdrawn=1');
  });

  web.get('/certification/profiles/:traineeId/photo', async (req, res) => {
    const file = await files.findStoredFile(await photoOf(req.actor ?? null, String(req.params.traineeId)));
    // Served `private` (files/download.ts): no shared cache keeps personal data.
    await files.sendRequestedFile(req, res, file);
  });
}
