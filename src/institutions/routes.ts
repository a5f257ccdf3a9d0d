import type { Request } from 'express';
import { z } from 'zod';
import type { FeatureContext } from '../app.js';
import { requirePermission } from '../auth/passport.js';
import { form, showForm } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { institutionTypes } from './model.js';
import { institutionSchema, institutionView, sectorSchema, sectorView } from './schemas.js';
import { createInstitution, createSector, getInstitution, listInstitutions, listSectors, updateInstitution } from './service.js';

export function registerInstitutionRoutes({ web, api }: FeatureContext): void {
  const formChoices = async () => ({ institutionTypes, sectors: await listSectors() });

  web.get('/institutions', requirePermission('institution.manage'), async (req, res) => {
    const [institutions, sectors] = await Promise.all([listInstitutions(req.actor!), listSectors()]);
    res.render('institutions/list', { title: req.t('institutions.title'), institutions, sectors });
  });
  const newLocals = async (req: Request) => ({ title: req.t('institutions.new.title'), ...(await formChoices()) });
  web.get(
    '/institutions/new',
    requirePermission('institution.manage'),
    showForm('institutions/form', async (req) => ({ ...(await newLocals(req)), values: { active: true, sectors: [] } })),
  );
  web.post('/institutions', requirePermission('institution.manage'), form('institutions/form', newLocals), async (req, res) => {
    await createInstitution(req.actor!, parseInput(institutionSchema, req.body));
    res.redirect(303, '/institutions');
  });
  const editLocals = async (req: Request) => {
    const institution = await getInstitution(req.actor!, String(req.params.id));
    return { title: institution.name, institution, values: institution, ...(await formChoices()) };
  };
  web.get('/institutions/:id', requirePermission('institution.manage'), showForm('institutions/form', editLocals));
  web.post(
    '/institutions/:id',
    requirePermission('institution.manage'),
    form('institutions/form', editLocals),
    async (req, res) => {
      await updateInstitution(req.actor!, String(req.params.id), parseInput(institutionSchema, req.body));
      res.redirect(303, '/institutions');
    },
  );

  const sectorLocals = async (req: Request) => ({ title: req.t('sectors.title'), sectors: await listSectors() });
  web.get('/sectors', requirePermission('sector.manage'), showForm('institutions/sectors', sectorLocals));
  web.post('/sectors', requirePermission('sector.manage'), form('institutions/sectors', sectorLocals), async (req, res) => {
    await createSector(req.actor!, parseInput(sectorSchema, req.body));
    res.redirect(303, '/sectors');
  });

  api.endpoint(
    {
      method: 'get',
      path: '/institutions',
      summary: 'Institutions the caller may see (admins: all; staff: their own)',
      tag: 'Institutions',
      access: 'user',
      permission: 'institution.list',
      response: z.array(institutionView),
    },
    async ({ actor }) => listInstitutions(actor),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/institutions',
      summary: 'Create an institution (admins)',
      tag: 'Institutions',
      access: 'user',
      permission: 'institution.manage',
      body: institutionSchema,
      response: institutionView,
      status: 201,
    },
    async ({ actor, body }) => createInstitution(actor, body),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/institutions/{id}',
      summary: 'One institution',
      tag: 'Institutions',
      access: 'user',
      response: institutionView,
    },
    async ({ actor, params }) => getInstitution(actor, String(params.id)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/institutions/{id}',
      summary: 'Change an institution (admins)',
      tag: 'Institutions',
      access: 'user',
      permission: 'institution.manage',
      body: institutionSchema,
      response: institutionView,
    },
    async ({ actor, params, body }) => updateInstitution(actor, String(params.id), body),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/sectors',
      summary: 'All sectors',
      tag: 'Institutions',
      access: 'user',
      response: z.array(sectorView),
    },
    async () => listSectors(),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/sectors',
      summary: 'Add a sector (admins)',
      tag: 'Institutions',
      access: 'user',
      permission: 'sector.manage',
      body: sectorSchema,
      response: sectorView,
      status: 201,
    },
    async ({ actor, body }) => createSector(actor, body),
  );
}
