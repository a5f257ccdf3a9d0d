import type express from 'express';

export type WebRoute = { method: string; path: string };

/**
 * Every page and form route the app registered (`createApp`'s `web` router), as `GET /cohorts/:id`:
 * what the permission matrix and the bad-input sweep must each cover, read from the app itself so
 * a new route cannot be left out.
 */
export function webRoutesOf(web: express.Router): WebRoute[] {
  const routes: WebRoute[] = [];
  for (const layer of web.stack) {
    const route = layer.route as { path: string | string[]; methods?: Record<string, boolean> } | undefined;
    if (!route) continue;
    for (const path of Array.isArray(route.path) ? route.path : [route.path]) {
      for (const [method, on] of Object.entries(route.methods ?? {})) {
        if (on && method !== '_all') routes.push({ method: method.toUpperCase(), path });
      }
    }
  }
  return routes;
}
