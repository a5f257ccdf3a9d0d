import type { Request } from 'express';

/**
 * The address this request reached Kompeten at, for links handed to people outside the browser
 * (first-login and password-reset links sent by WhatsApp). Behind a proxy, Express's `trust proxy`
 * setting decides whether the forwarded protocol counts.
 */
export const originOf = (req: Request): string => `${req.protocol}://${req.get('host')}`;
