import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { listCohorts } from '../cohorts/service.js';
import { ValidationError } from '../platform/errors.js';
import { form } from '../platform/http/forms.js';
import type { Actor } from '../platform/permissions.js';
import { isObjectId, objectIdField, parseInput } from '../platform/validation.js';
import { batchCandidates, cancelBatch, createBatch, getBatch, handOverBatch, listBatches } from './batches.js';
import { deliveriesForBatch, queueDelivery } from './delivery/service.js';
import { apl02Export, type ExportFile, jsonExport, spreadsheetExport } from './exports/service.js';
import { listLsps } from './lsps.js';
import { resultsForBatch } from './results/service.js';

/** "<lsp id>:<scheme code>", one choice of the form's select (an id has no colon; a scheme code may). */
const parseTarget = (target: string) => {
  const at = target.indexOf(':');
  return at === 24 && isObjectId(target.slice(0, at)) ? { lsp: target.slice(0, at), scheme: target.slice(at + 1) } : null;
};

const newBatchQuery = z.object({
  target: z.string().max(200).default(''),
  cohort: z.union([z.literal(''), objectIdField]).default(''),
});

const batchForm = z.object({
  target: z.string().max(200),
  cohort: z.union([z.literal(''), objectIdField]).default(''),
  records: z
    .preprocess(
      (value) => (value === undefined || value === '' ? [] : ([] as unknown[]).concat(value)),
      z.array(objectIdField).max(500),
    )
    .default([]),
  requestKey: z.string().regex(/^[0-9a-f]{32}$/, 'validation.invalid'),
});

/** The cohorts a coordinator may pick records from: their institution's, newest first (a few pages). */
async function batchCohortChoices(actor: Actor) {
  const cohorts = [];
  for (let page = 1; page <= 4; page += 1) {
    const found = await listCohorts(actor, { status: '', page });
    cohorts.push(...found.items);
    if (!found.hasMore) break;
  }
  return cohorts.map((cohort) => ({ id: cohort.id, name: `${cohort.name} (${cohort.programCode})` }));
}

function sendFile(res: Response, file: ExportFile): void {
  // Personal data: nobody's cache keeps it.
  res.setHeader('Cache-Control', 'no-store');
  res.attachment(file.name).type(file.type).send(file.body);
}

export function registerBatchRoutes({ web, files }: Pick<FeatureContext, 'web' | 'files'>): void {
  web.get('/certification/batches', requirePermission('handoff.view'), async (req, res) => {
    res.render('certification/batches', { title: req.t('certification.batches.title'), batches: await listBatches(req.actor!) });
  });

  /** The new-batch page: LSP and scheme, a cohort, then its approved records with what stops each. */
  const newLocals = async (req: Request) => {
    const actor = req.actor!;
    const asked = req.method === 'POST' ? req.body : req.query;
    const query = parseInput(newBatchQuery, { target: asked?.target ?? '', cohort: asked?.cohort ?? '' });
    const [lsps, cohorts] = await Promise.all([listLsps(actor, { activeOnly: true }), batchCohortChoices(actor)]);
    const target = parseTarget(query.target);
    const candidates = target && query.cohort ? await batchCandidates(actor, { ...target, cohort: query.cohort }) : null;
    const chosen = ([] as unknown[]).concat(req.method === 'POST' ? (req.body?.records ?? []) : []).map(String);
    return {
      title: req.t('certification.batches.new'),
      styles: ['/css/certification.css'],
      lsps,
      cohorts,
      candidates,
      chosen,
      values: { target: query.target, cohort: query.cohort },
      requestKey:
        req.method === 'POST' && /^[0-9a-f]{32}$/.test(String(req.body?.requestKey))
          ? req.body.requestKey
          : randomBytes(16).toString('hex'),
    };
  };
  web.get('/certification/batches/new', requirePermission('handoff.manage'), async (req, res) => {
    res.render('certification/batchNew', { errors: {}, ...(await newLocals(req)) });
  });
  web.post(
    '/certification/batches',
    requirePermission('handoff.manage'),
    form('certification/batchNew', newLocals),
    async (req, res) => {
      const input = parseInput(batchForm, req.body);
      const target = parseTarget(input.target);
      if (!target) throw new ValidationError([{ field: 'target', key: 'certification.batches.errors.scheme' }]);
      const id = await createBatch(req.actor!, { ...target, records: input.records, requestKey: input.requestKey });
      res.redirect(303, `/certification/batches/${id}`);
    },
  );

  const batchLocals = async (req: Request) => {
    const batch = await getBatch(req.actor!, String(req.params.id));
    return {
      title: `${batch.lsp.name} · ${batch.scheme.code}`,
      styles: ['/css/certification.css'],
      batch,
      canManage: batch.canManage,
      deliveries: await deliveriesForBatch(req.actor!, batch.id),
      results: await resultsForBatch(req.actor!, batch.id),
      handed: req.query.handed === '1',
    };
  };
  web.get('/certification/batches/:id', requirePermission('handoff.view'), async (req, res) => {
    res.render('certification/batch', { errors: {}, ...(await batchLocals(req)) });
  });
  web.post(
    '/certification/batches/:id/hand-over',
    requirePermission('handoff.manage'),
    form('certification/batch', batchLocals),
    async (req, res) => {
      const handed = await handOverBatch(req.actor!, String(req.params.id), files.storage);
      // Pushed to the LSP's webhook at once when it has one (certification/delivery retries it);
      // a push that cannot be queued now is sent from the batch page later.
      if (handed.webhookUrl) await queueDelivery(req.actor!, String(req.params.id)).catch(() => undefined);
      res.redirect(303, `/certification/batches/${String(req.params.id)}?handed=1`);
    },
  );
  web.post(
    '/certification/batches/:id/cancel',
    requirePermission('handoff.manage'),
    form('certification/batch', batchLocals),
    async (req, res) => {
      await cancelBatch(req.actor!, String(req.params.id));
      res.redirect(303, `/certification/batches/${String(req.params.id)}`);
    },
  );

  web.get('/certification/batches/:id/assessees.xlsx', requirePermission('handoff.manage'), async (req, res) => {
    sendFile(res, await spreadsheetExport(req.actor!, String(req.params.id)));
  });
  web.get('/certification/batches/:id/handoff.json', requirePermission('handoff.manage'), async (req, res) => {
    sendFile(res, await jsonExport(req.actor!, String(req.params.id)));
  });
  web.get('/certification/batches/:id/apl02.zip', requirePermission('handoff.manage'), async (req, res) => {
    sendFile(res, await apl02Export(req.actor!, String(req.params.id)));
  });
  web.get('/certification/batches/:id/apl02/:recordId', requirePermission('handoff.manage'), async (req, res) => {
    sendFile(res, await apl02Export(req.actor!, String(req.params.id), String(req.params.recordId)));
  });
}
