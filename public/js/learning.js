// Lesson progress that survives weak connections. Every event (a lesson completed, a position in
// it) is first kept on the device, then sent. The server lists the events it stored and those it
// refused for good; only those are forgotten. The rest (the server or the connection failed) is
// sent again later, waiting longer after each failure; a replay is harmless on the server.
// Phones are shared: the queue is kept per account, each event names the account that made it,
// and a page sends only the queue of the account it was made for (logging out keeps it for them).
(() => {
  // The queue from before it was kept per account: whose events it holds cannot be told, and
  // sending them as whoever is logged in now is the mistake this script must not make.
  localStorage.removeItem('kompeten.progress.v1');
  const account = document.querySelector('[data-account]')?.dataset.account;
  if (!account) return;
  const storeKey = `kompeten.progress.v2:${account}`;
  const maxAgeMs = 30 * 24 * 3600 * 1000;
  // Refused for good: forgotten. One refused as another account's (this browser's session changed
  // in another tab) stays, for its owner's next visit.
  const forGood = new Set(['invalid', 'notEnrolled']);
  const read = () => {
    try {
      const now = Date.now();
      const events = JSON.parse(localStorage.getItem(storeKey) || '[]');
      return Array.isArray(events)
        ? events.filter((e) => e && typeof e.id === 'string' && e.account === account && now - Date.parse(e.at) < maxAgeMs)
        : [];
    } catch {
      return [];
    }
  };
  const write = (events) => localStorage.setItem(storeKey, JSON.stringify(events));
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const csrf = () => document.querySelector('input[name="_csrf"]')?.value;

  let sending = false;
  let failures = 0;
  let retryAt = 0;
  let retryTimer;
  // 5 s, 10 s, 20 s ... up to 5 minutes (or as long as the server asks), spread out so that the
  // phones of a whole class do not all come back at the same moment after an outage.
  function retryLater(retryAfterSeconds) {
    failures += 1;
    const backoff = Math.min(300_000, 5_000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    const wait = Math.max((Number(retryAfterSeconds) || 0) * 1000, backoff);
    retryAt = Date.now() + wait;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => flush(), wait);
  }

  async function flush(keepalive = false) {
    if (sending || !navigator.onLine || Date.now() < retryAt) return;
    const queue = read();
    if (!queue.length) return;
    sending = true;
    const batch = queue.slice(0, 200);
    let more = false;
    try {
      const response = await fetch('/api/v1/progress', {
        method: 'POST',
        credentials: 'same-origin',
        keepalive,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': csrf() || '' },
        // The device's clock now: the server reads the events' times against it (clocks are often off).
        body: JSON.stringify({ events: batch, sentAt: new Date().toISOString() }),
      });
      // 503 (the database did not answer), logged out, or any other failure: nothing is forgotten.
      if (!response.ok) return retryLater(response.headers.get('Retry-After'));
      const answer = await response.json();
      const refusedForGood = answer.refused.filter((entry) => forGood.has(entry.reason)).map((entry) => entry.id);
      const done = new Set([...answer.stored, ...refusedForGood]);
      write(read().filter((event) => !done.has(event.id)));
      document.dispatchEvent(new CustomEvent('progress-synced', { detail: answer }));
      if (answer.refused.length > refusedForGood.length) return retryLater();
      failures = 0;
      more = queue.length > batch.length;
    } catch {
      retryLater(); // offline, or the connection dropped: the events stay queued
    } finally {
      sending = false;
    }
    if (more) flush();
  }

  /** Queues an event of this account and sends what is queued; returns the event's id. */
  function enqueue(event) {
    const queue = read();
    // Only the newest position of a lesson matters; older unsent ones are replaced.
    const kept = event.kind === 'position' ? queue.filter((e) => !(e.kind === 'position' && e.lesson === event.lesson)) : queue;
    const id = newId();
    kept.push({ ...event, id, account, at: new Date().toISOString() });
    write(kept);
    flush();
    return id;
  }

  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  window.addEventListener('online', () => {
    failures = 0;
    retryAt = 0;
    flush();
  });
  setInterval(() => flush(), 30_000);
  flush();

  const lesson = document.getElementById('lesson');
  if (!lesson) return;
  const { cohort, lesson: lessonId, completesBy } = lesson.dataset;
  const status = document.getElementById('lesson-status');
  const form = document.getElementById('completion-form');
  let completed = lesson.dataset.completed === 'true';
  let completion = null;

  function complete(via) {
    if (completed) return;
    completed = true;
    completion = enqueue({ cohort, lesson: lessonId, kind: 'complete', via });
    if (status) status.textContent = navigator.onLine ? status.dataset.done : status.dataset.offline;
    form?.querySelector('button')?.setAttribute('hidden', '');
  }
  form?.addEventListener('submit', (submit) => {
    if (completed) return; // "mark as not done" is an ordinary form post
    submit.preventDefault();
    complete('manual');
  });
  document.addEventListener('progress-synced', ({ detail }) => {
    if (!completion || !status) return;
    if (detail.stored.includes(completion)) status.textContent = status.dataset.done;
    // Refused (no longer enrolled, say): the server's reason, in the page's language, not "done".
    const refusal = detail.refused.find((entry) => entry.id === completion);
    if (refusal) status.textContent = refusal.message;
  });

  const resume = Number(lesson.dataset.resume) || 0;
  // Opening the lesson makes it the one to resume, on any device (sent through the same queue).
  enqueue({ cohort, lesson: lessonId, kind: 'position', position: resume });
  const video = lesson.querySelector('video');
  if (video) {
    // "Most of it watched": seconds actually played, not where the slider was dragged to.
    const watched = new Set();
    let resumed = false;
    let lastSaved = 0;
    video.addEventListener('play', () => {
      if (!resumed && resume > 0 && resume < (video.duration || Infinity) - 5) video.currentTime = resume;
      resumed = true;
    });
    video.addEventListener('timeupdate', () => {
      watched.add(Math.floor(video.currentTime));
      if (completesBy === 'video' && video.duration && watched.size / Math.ceil(video.duration) >= 0.9) complete('video');
      if (Math.abs(video.currentTime - lastSaved) >= 15) {
        lastSaved = video.currentTime;
        enqueue({ cohort, lesson: lessonId, kind: 'position', position: Math.floor(video.currentTime) });
      }
    });
  } else if (resume > 0 && resume < 1) {
    window.scrollTo(0, resume * document.documentElement.scrollHeight);
  }

  if (completesBy === 'text' && 'IntersectionObserver' in window) {
    // Read to the end, and not in a blink: at least ten seconds on the page.
    const openedAt = Date.now();
    const end = document.getElementById('lesson-end');
    new IntersectionObserver((entries, observer) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      const wait = Math.max(0, 10_000 - (Date.now() - openedAt));
      setTimeout(() => {
        complete('text');
        observer.disconnect();
      }, wait);
    }).observe(end);
  }

  // Leaving the page: remember how far the text was read, and send what is queued.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'hidden') return;
    if (!video) {
      const fraction = window.scrollY / Math.max(1, document.documentElement.scrollHeight);
      if (fraction > 0.05) enqueue({ cohort, lesson: lessonId, kind: 'position', position: Math.round(fraction * 1000) / 1000 });
    }
    flush(true);
  });
})();
