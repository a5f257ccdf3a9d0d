import type { NextFunction, Request, Response } from 'express';

/**
 * Marks a POST route as a form: if the service rejects the input, the error handler shows
 * this view again with each error beside its field and the user's input kept. `locals` gives
 * what the view needs besides the input (choices for selects, the record being edited).
 */
export type FormLocals = (req: Request, res: Response) => Promise<Record<string, unknown>> | Record<string, unknown>;

export function form(view: string, locals: FormLocals = () => ({})) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.formView = view;
    // The error handler runs outside this route, where req.params is empty: keep this route's.
    const params = { ...req.params };
    res.locals.formLocals = (request: Request, response: Response) => {
      request.params = params;
      return locals(request, response);
    };
    next();
  };
}

export function isFormRequest(res: Response): boolean {
  return typeof res.locals.formView === 'string';
}

export async function formLocals(req: Request, res: Response): Promise<Record<string, unknown> & { values?: object }> {
  const locals = res.locals.formLocals as FormLocals | undefined;
  return locals ? await locals(req, res) : {};
}

/** Renders a form for the first time: no errors, values from `locals.values` or empty. */
export function showForm(view: string, locals: FormLocals = () => ({})) {
  return async (req: Request, res: Response) => {
    const given = await locals(req, res);
    res.render(view, { values: {}, errors: {}, ...given });
  };
}
