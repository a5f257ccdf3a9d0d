import type { Request, Router } from 'express';
import { requireLogin } from '../auth/passport.js';
import { form, showForm } from '../platform/http/forms.js';
import { parseInput } from '../platform/validation.js';
import { completionRulesSchema, draftRules, setCompletionRules } from './completionRules.js';
import { loadDraft } from './service.js';

/** The draft's completion rules, on a page of their own reached from the program page. */
export function registerCompletionRuleRoutes(web: Router): void {
  const locals = async (req: Request) => {
    const draft = await loadDraft(req.actor!, String(req.params.id));
    return { title: req.t('programs.completionRules.title'), draft, values: draftRules(draft.program) };
  };
  web.get('/programs/:id/completion-rules', requireLogin, showForm('programs/completionRules', locals));
  web.post('/programs/:id/completion-rules', requireLogin, form('programs/completionRules', locals), async (req, res) => {
    await setCompletionRules(req.actor!, String(req.params.id), parseInput(completionRulesSchema, req.body));
    res.redirect(303, `/programs/${String(req.params.id)}?saved=completionRules`);
  });
}
