import type { Request, Response } from 'express';
import type { FeatureContext } from '../../app.js';
import { requireLogin, requirePermission } from '../../auth/passport.js';
import { safeLocalPath } from '../../home/routes.js';
import { registerResultRoutes } from '../results/routes.js';
import { issueLspToken, issueWebhookSecret, lspCredentials, revokeLspToken } from './credentials.js';
import { queueDelivery, retryDelivery } from './service.js';
import { signatureHeader } from './signature.js';

/**
 * Pages and actions of certification delivery: an LSP's credentials (admins), "send again" and
 * "retry now" of a batch's webhook push (its coordinators, from the batch page), and the results
 * API and route-back (results/routes.ts).
 */
async function showCredentials(req: Request, res: Response, shown: { newToken?: string; newSecret?: string } = {}) {
  const credentials = await lspCredentials(req.actor ?? null, String(req.params.id));
  res.render('certification/lspCredentials', {
    title: req.t('certificationDelivery.credentials.title', { name: credentials.lsp.name }),
    credentials,
    signatureHeader,
    newToken: shown.newToken ?? null,
    newSecret: shown.newSecret ?? null,
  });
}

/** Back to the page the action was taken on (the batch page), else the batch's page. */
const back = (req: Request, batchId: string) => safeLocalPath(req.body?.next, `/certification/batches/${batchId}`);

export function registerDeliveryRoutes(features: FeatureContext): void {
  const { web } = features;
  web.get('/lsps/:id/credentials', requirePermission('lsp.manage'), (req, res) => showCredentials(req, res));
  // The token and the secret are shown once, in the answer to the POST that made them: no redirect.
  web.post('/lsps/:id/credentials/token', requirePermission('lsp.manage'), async (req, res) => {
    const newToken = await issueLspToken(req.actor!, String(req.params.id));
    res.setHeader('Cache-Control', 'no-store');
    await showCredentials(req, res, { newToken });
  });
  web.post('/lsps/:id/credentials/token/revoke', requirePermission('lsp.manage'), async (req, res) => {
    await revokeLspToken(req.actor!, String(req.params.id));
    res.redirect(303, `/lsps/${req.params.id}/credentials`);
  });
  web.post('/lsps/:id/credentials/secret', requirePermission('lsp.manage'), async (req, res) => {
    const newSecret = await issueWebhookSecret(req.actor!, String(req.params.id));
    res.setHeader('Cache-Control', 'no-store');
    await showCredentials(req, res, { newSecret });
  });

  web.post('/certification/batches/:id/deliveries', requireLogin, async (req, res) => {
    await queueDelivery(req.actor!, String(req.params.id));
    res.redirect(303, back(req, String(req.params.id)));
  });
  web.post('/certification/deliveries/:id/retry', requireLogin, async (req, res) => {
    const delivery = await retryDelivery(req.actor!, String(req.params.id));
    res.redirect(303, back(req, delivery.batch));
  });

  registerResultRoutes(features);
}
