// Lesson progress that survives weak connections. Every event (a lesson completed, a position in
// it) is first kept on the device, then sent; what could not be sent is sent again when the
// connection returns. The server treats a replay as a no-op, so sending twice is harmless.
(() => {
  const storeKey = 'kompeten.progress.v1';
  const maxAgeMs = 30 * 24 * 3600 * 1000;
  const read = () => {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || '[]');
    } catch {
      return [];
    }
  };
  const write = (events) => localStorage.setItem(storeKey, JSON.stringify(events));
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const csrf = () => document.querySelector('input[name="_csrf"]')?.value;

  let sending = false;
  async function flush(keepalive = false) {
    const now = Date.now();
    const queue = read().filter((event) => now - Date.parse(event.at) < maxAgeMs);
    if (!queue.length || sending || !navigator.onLine) return;
    sending = true;
    const batch = queue.slice(0, 200);
    try {
      const response = await fetch('/api/v1/progress', {
        method: 'POST',
        credentials: 'same-origin',
        keepalive,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': csrf() || '' },
        body: JSON.stringify({ events: batch }),
      });
      // Sent, or refused as malformed (sending it again would not help): forget it either way.
      if (response.ok || response.status === 422) {
        const sent = new Set(batch.map((event) => event.id));
        write(read().filter((event) => !sent.has(event.id)));
        if (response.ok) document.dispatchEvent(new CustomEvent('progress-synced', { detail: await response.json() }));
      }
    } catch {
      // Offline or the connection dropped: the events stay queued.
    } finally {
      sending = false;
    }
  }

  function enqueue(event) {
    const queue = read();
    // Only the newest position of a lesson matters; older unsent ones are replaced.
    const kept = event.kind === 'position' ? queue.filter((e) => !(e.kind === 'position' && e.lesson === event.lesson)) : queue;
    kept.push({ ...event, id: newId(), at: new Date().toISOString() });
    write(kept);
    flush();
  }

  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  window.addEventListener('online', () => flush());
  setInterval(() => flush(), 30_000);
  flush();

  const lesson = document.getElementById('lesson');
  if (!lesson) return;
  const { cohort, lesson: lessonId, completesBy } = lesson.dataset;
  const status = document.getElementById('lesson-status');
  const form = document.getElementById('completion-form');
  let completed = lesson.dataset.completed === 'true';

  function complete(via) {
    if (completed) return;
    completed = true;
    enqueue({ cohort, lesson: lessonId, kind: 'complete', via });
    if (status) status.textContent = navigator.onLine ? status.dataset.done : status.dataset.offline;
    form?.querySelector('button')?.setAttribute('hidden', '');
  }
  form?.addEventListener('submit', (submit) => {
    if (completed) return; // "mark as not done" is an ordinary form post
    submit.preventDefault();
    complete('manual');
  });
  document.addEventListener('progress-synced', () => {
    if (completed && status) status.textContent = status.dataset.done;
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
