import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { exportableBatch } from './batches.js';
import { registerBatchRoutes } from './batchRoutes.js';
import { handoffJsonSchema, handoffPayload, handoffSchemaName, payloadOf } from './handoffJson.js';
import { registerLspRoutes } from './lspRoutes.js';
import { registerRequestRoutes } from './requestRoutes.js';

/**
 * Certification hand-off (issue 12): the LSP register, the trainee's request for certification,
 * hand-off batches and their exports, and the published JSON Schema of the hand-off JSON. The
 * webhook delivery and the results API are certification/delivery's and certification/results'.
 */
export function registerCertificationRoutes(features: FeatureContext): void {
  registerLspRoutes(features);
  registerRequestRoutes(features);
  registerBatchRoutes(features);
  const { api } = features;

  api.endpoint(
    {
      method: 'get',
      path: `/schemas/${handoffSchemaName}.json`,
      summary: 'The JSON Schema (draft 2020-12) of the hand-off JSON, version 1 (public)',
      tag: 'Certification',
      access: 'public',
      response: z.record(z.string(), z.unknown()),
    },
    async ({ res }) => {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      return handoffJsonSchema();
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/handoff-batches/{id}',
      summary: "A handed batch's hand-off JSON (the institution's coordinators; it holds full NIKs)",
      tag: 'Certification',
      access: 'user',
      permission: 'handoff.manage',
      response: handoffPayload,
    },
    async ({ actor, params, res }) => {
      res.setHeader('Cache-Control', 'no-store');
      return payloadOf(await exportableBatch(actor, String(params.id)));
    },
  );
}
