// Keeps the lessons a trainee opened (and "My learning", and their cohorts' outlines) readable without a connection.
// Pages: network first, the stored copy when offline. Styles and scripts: the stored copy first,
// refreshed in the background. Logging out, or in, forgets the stored pages: phones are often
// shared, and a page kept for one account (its name, its progress queue) must not be shown to the
// next one offline, nor record their progress as the first account's.
const pages = 'kompeten-pages-v1';
const assets = 'kompeten-assets-v1';
// The server writes each URL here with its content hash (/public/css/app.<hash>.css; assets.ts), so
// a changed stylesheet or script changes this file, and the browser installs the new worker.
const assetUrls = ['/public/css/app.css', '/public/css/assessments.css', '/public/js/learning.js', '/public/js/quiz.js'];
// A URL with a hash never changes content: its stored copy needs no refresh over a slow line.
const immutable = (url) => /\.[0-9a-f]{10}\.(?:css|js)$/.test(url.pathname);
const unhashed = (pathname) => pathname.replace(/\.[0-9a-f]{10}(\.(?:css|js))$/, '$1');

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(assets)
      .then((cache) => cache.addAll(assetUrls))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== pages && key !== assets).map((key) => caches.delete(key))))
      .then(() => caches.open(assets))
      // Files of an earlier version, under their old hashes, are not linked any more.
      .then((cache) =>
        cache
          .keys()
          .then((stored) =>
            Promise.all(
              stored
                .filter((request) => !assetUrls.includes(new URL(request.url).pathname))
                .map((request) => cache.delete(request)),
            ),
          ),
      )
      .then(() => self.clients.claim()),
  );
});

// My learning, a cohort's course outline (/learn/<cohort>) and its lessons, and a quiz attempt
// (/quiz-attempts/<quiz>.<trainee>.<n>): its questions load once, and a reload offline shows them.
const isStudyPage = (url) =>
  url.pathname === '/learning' ||
  /^\/learn\/[0-9a-f]{24}(?:\/lessons\/[0-9a-f]{24})?$/.test(url.pathname) ||
  /^\/quiz-attempts\/[0-9a-f]{24}\.[0-9a-f]{24}\.\d+$/.test(url.pathname);

const offlinePage = () =>
  new Response(
    '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      '<link rel="stylesheet" href="/public/css/app.css"><main><h1>Offline</h1>' +
      '<p lang="id">Halaman ini belum pernah dibuka di perangkat ini, jadi belum tersedia tanpa koneksi. ' +
      'Materi yang sudah Anda buka tetap bisa dibaca.</p>' +
      '<p lang="en">This page was never opened on this device, so it is not available offline. Lessons you opened still are.</p>' +
      '<p><a href="/learning">Belajar / My learning</a></p></main>',
    { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } },
  );

async function networkFirst(request) {
  const cache = await caches.open(pages);
  try {
    const response = await fetch(request);
    // A redirect (to the login page) or an error is not the page: keep the stored copy.
    if (response.ok && !response.redirected) await cache.put(request.url, response.clone());
    return response;
  } catch {
    return (await cache.match(request.url)) || offlinePage();
  }
}

async function storedFirst(request) {
  const cache = await caches.open(assets);
  const stored = await cache.match(request);
  if (stored && immutable(new URL(request.url))) return stored;
  const refreshed = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(request, response.clone());
      return response;
    })
    .catch(() => undefined);
  // Offline, a page kept before an update links the files under their old hashes (no longer
  // stored): it gets today's version of the same file rather than no style at all.
  const current = assetUrls.find((url) => unhashed(url) === unhashed(new URL(request.url).pathname));
  return stored || (await refreshed) || (current && (await cache.match(current))) || Response.error();
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (event.request.method === 'POST' && (url.pathname === '/logout' || url.pathname === '/login')) {
    event.waitUntil(caches.delete(pages));
    return;
  }
  if (event.request.method !== 'GET') return;
  if (event.request.mode === 'navigate' && isStudyPage(url)) event.respondWith(networkFirst(event.request));
  // The pictures of a lesson's text, as its page loads them: kept like the page, so it reads whole offline.
  else if (event.request.destination === 'image' && /^\/learn\/[0-9a-f]{24}\/files\/[0-9a-f]{24}$/.test(url.pathname)) {
    event.respondWith(networkFirst(event.request));
  } else if (url.pathname.startsWith('/public/css/') || url.pathname.startsWith('/public/js/')) {
    event.respondWith(storedFirst(event.request));
  }
});
