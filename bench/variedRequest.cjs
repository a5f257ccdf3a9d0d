'use strict';

/**
 * autocannon's setupRequest for measure()'s varied requests, loaded by path in its worker thread.
 * One counter serves every connection of the worker, so no two requests take the same item; `first`
 * is where this run starts, past the items earlier runs used. Past the last item it starts over.
 */
let taken = 0;

module.exports = function variedRequest(request) {
  const item = request.items[(request.first + taken) % request.items.length];
  taken += 1;
  return { ...request, headers: { ...request.headers, ...item.headers }, body: item.body };
};
