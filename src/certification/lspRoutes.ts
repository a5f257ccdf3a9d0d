import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { form, showForm } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { lspForm, lspInput, lspView } from './lspSchemas.js';
import { createLsp, getLsp, listLsps, updateLsp } from './lsps.js';

/** Blank scheme rows under the LSP's own on its form: enough to add a few schemes per save, without script. */
const blankSchemeRows = 2;

/** The form's values for an LSP (or the values posted back), with its scheme rows as parallel lists. */
function lspFormValues(values: Record<string, unknown>) {
  const schemes = (values.schemes as { code: string; name: string; units: string[] }[] | undefined) ?? [];
  const fromPost = values.schemeCode !== undefined;
  const list = (value: unknown) => (value === undefined ? [] : ([] as unknown[]).concat(value).map(String));
  const rows = fromPost
    ? list(values.schemeCode).map((code, index) => ({
        code,
        name: list(values.schemeName)[index] ?? '',
        units: list(values.schemeUnits)[index] ?? '',
      }))
    : schemes.map((scheme) => ({ code: scheme.code, name: scheme.name, units: scheme.units.join(' ') }));
  const filled = rows.filter((row) => row.code || row.name || row.units);
  return {
    ...values,
    schemeRows: [...filled, ...Array.from({ length: blankSchemeRows }, () => ({ code: '', name: '', units: '' }))],
  };
}

export function registerLspRoutes({ web, api }: Pick<FeatureContext, 'web' | 'api'>): void {
  web.get('/lsps', requirePermission('lsp.manage'), async (req, res) => {
    res.render('certification/lsps', { title: req.t('certification.lsps.title'), lsps: await listLsps(req.actor!) });
  });

  const newLocals = (req: Request) => ({
    title: req.t('certification.lsps.new'),
    styles: ['/css/certification.css'],
    lsp: null,
    values: lspFormValues({ ...req.body, active: req.body?.active ?? true }),
  });
  web.get('/lsps/new', requirePermission('lsp.manage'), showForm('certification/lspForm', newLocals));
  web.post('/lsps', requirePermission('lsp.manage'), form('certification/lspForm', newLocals), async (req, res) => {
    const lsp = await createLsp(req.actor!, parseInput(lspInput, lspForm(req.body)));
    res.redirect(303, `/lsps/${lsp.id}`);
  });

  const editLocals = async (req: Request) => {
    const lsp = await getLsp(req.actor!, String(req.params.id));
    const values =
      req.method === 'POST'
        ? lspFormValues(req.body)
        : lspFormValues({
            ...lsp,
            contactName: lsp.contact.name,
            contactEmail: lsp.contact.email,
            contactPhone: lsp.contact.phone,
          });
    return { title: lsp.name, styles: ['/css/certification.css'], lsp, values, saved: req.query.saved === '1' };
  };
  web.get('/lsps/:id', requirePermission('lsp.manage'), showForm('certification/lspForm', editLocals));
  web.post('/lsps/:id', requirePermission('lsp.manage'), form('certification/lspForm', editLocals), async (req, res) => {
    await updateLsp(req.actor!, String(req.params.id), parseInput(lspInput, lspForm(req.body)));
    res.redirect(303, `/lsps/${String(req.params.id)}?saved=1`);
  });

  api.endpoint(
    {
      method: 'get',
      path: '/lsps',
      summary: 'Certification bodies (LSP) and their schemes, for picking one to hand off to',
      tag: 'Certification',
      access: 'user',
      permission: 'lsp.list',
      response: z.array(lspView),
    },
    async ({ actor }) => listLsps(actor),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/lsps',
      summary: 'Register a certification body (admins)',
      tag: 'Certification',
      access: 'user',
      permission: 'lsp.manage',
      body: lspInput,
      response: lspView,
      status: 201,
    },
    async ({ actor, body }) => createLsp(actor, body),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/lsps/{id}',
      summary: 'Change a certification body (admins)',
      tag: 'Certification',
      access: 'user',
      permission: 'lsp.manage',
      body: lspInput,
      response: lspView,
    },
    async ({ actor, params, body }) => updateLsp(actor, String(params.id), body),
  );
}
