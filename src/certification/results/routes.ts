import { z } from 'zod';
import type { FeatureContext } from '../../app.js';
import { requireLogin } from '../../auth/passport.js';
import { safeLocalPath } from '../../home/routes.js';
import type { ClientAccess } from '../../platform/api.js';
import { parseInput } from '../../platform/validation.js';
import { type LspClient, lspForToken, lspTokenPrefix } from '../delivery/credentials.js';
import { batchPayload, handoffPayload } from '../handoffJson.js';
import { routeBack } from './routeBack.js';
import { lspBatchSummary, resultsBody, resultsResponse, routeBackForm } from './schemas.js';
import { lspBatches, lspBatchId, recordResults } from './service.js';

/** The results API's callers: certification bodies, by their own token (delivery/credentials.ts). */
const lspAccess: ClientAccess = {
  scheme: 'lspToken',
  description:
    "A certification body's (LSP's) API token, `lsp_…`, issued by an admin on the LSP's credentials page. It reaches that LSP's own handed batches only; it is no user's token and opens nothing else.",
  tokenPrefix: lspTokenPrefix,
  resolve: (token) => lspForToken(token),
};

const tag = 'Certification bodies (LSP)';

export function registerResultRoutes({ web, api }: Pick<FeatureContext, 'web' | 'api'>): void {
  api.endpoint(
    {
      method: 'get',
      path: '/lsp/batches',
      summary: "The LSP's handed batches, newest first (to pull them without a webhook)",
      tag,
      access: lspAccess,
      response: z.array(lspBatchSummary),
    },
    async ({ client }) => lspBatches(client as LspClient),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/lsp/batches/{id}',
      summary: 'One of its handed batches: the hand-off JSON, as the webhook posts it',
      tag,
      access: lspAccess,
      response: handoffPayload,
    },
    async ({ client, params }) => batchPayload(await lspBatchId(client as LspClient, String(params.id))),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/lsp/batches/{id}/results',
      summary:
        'Report certification results for trainees of one of its batches: certified (certificate number, dates) or not certified (units not yet competent). The same report again changes nothing; a different one replaces it, the earlier kept.',
      tag,
      access: lspAccess,
      body: resultsBody,
      response: resultsResponse,
    },
    async ({ client, params, body }) => recordResults(client as LspClient, String(params.id), body),
  );

  // A coordinator routes a trainee who was not certified back to training, from the batch's page.
  web.post('/certification/results/:result/route-back', requireLogin, async (req, res) => {
    const { note } = parseInput(routeBackForm, req.body);
    const result = String(req.params.result);
    await routeBack(req.actor!, result, { note });
    res.redirect(303, safeLocalPath(req.body.next, `/certification/batches/${result.split(':')[0]}`));
  });
}
