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

  // The batch being sent, if one is: marking a lesson not done waits for it (it may carry that lesson's completion).
  let inFlight = null;
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

  function flush(keepalive = false) {
    if (inFlight || !navigator.onLine || Date.now() < retryAt) return;
    const queue = read();
    if (!queue.length) return;
    inFlight = send(queue, keepalive).then((more) => {
      inFlight = null;
      // Events queued while this request was under way (a lesson marked done during a position
      // sync) go now, not at the next 30 s tick; a failure has set retryAt, so this waits then.
      if (more || read().length) flush();
    });
  }

  /** Sends the start of the queue; true when more is left to send. Never throws: what fails stays queued. */
  async function send(queue, keepalive) {
    const batch = queue.slice(0, 200);
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
      return queue.length > batch.length;
    } catch {
      retryLater(); // offline, or the connection dropped: the events stay queued
    }
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

  // The progress figures on the page (the lesson's, each cohort's on My learning) count the
  // completions still waiting in this account's queue: a trainee offline, or on a page the service
  // worker kept, sees the lesson just finished counted, once however often it was tapped.
  function showProgress() {
    const queued = read().filter((event) => event.kind === 'complete');
    for (const figure of document.querySelectorAll('[data-progress-cohort]')) {
      const { progressCohort, template } = figure.dataset;
      const total = Number(figure.dataset.total) || 0;
      const stored = new Set(figure.dataset.completedLessons.split(' '));
      const waiting = new Set(
        queued.filter((event) => event.cohort === progressCohort && !stored.has(event.lesson)).map((event) => event.lesson),
      );
      const done = Math.min(total, (Number(figure.dataset.done) || 0) + waiting.size);
      const percent = total ? Math.floor((done / total) * 100) : 0;
      const bar = figure.querySelector('progress');
      if (bar) {
        bar.value = percent;
        bar.textContent = `${percent}%`;
      }
      (figure.querySelector('small') ?? figure).textContent = template.replace('{done}', done).replace('{percent}', percent);
    }
    showOutline(queued);
  }

  // The course outline (/learn/<cohort>) ticks the lessons done on the server or waiting in the
  // queue, counts them per module and unit, and points "Continue" at the first lesson not done
  // when the one it was rendered with is done on the device meanwhile (a copy the worker kept).
  function showOutline(queued) {
    const outline = document.querySelector('[data-outline-cohort]');
    if (!outline) return;
    const waiting = new Set(
      queued.filter((event) => event.cohort === outline.dataset.outlineCohort).map((event) => event.lesson),
    );
    const items = [...outline.querySelectorAll('[data-outline-lesson]')];
    const isDone = (item) => item.dataset.stored === 'true' || waiting.has(item.dataset.outlineLesson);
    for (const item of items) {
      const done = isDone(item);
      item.classList.toggle('done', done);
      const state = item.querySelector('.outline-state');
      if (state) state.textContent = done ? outline.dataset.doneText : outline.dataset.todoText;
    }
    const count = (figure, lessons) => {
      const done = lessons.filter(isDone).length;
      figure.textContent = figure.dataset.template.replace('{done}', done).replace('{total}', lessons.length);
    };
    for (const module of outline.querySelectorAll('[data-outline-module]')) {
      const figure = module.querySelector('.outline-count');
      if (figure) count(figure, [...module.querySelectorAll('[data-outline-lesson]')]);
    }
    for (const unit of document.querySelectorAll('[data-outline-unit-modules]')) {
      const modules = unit.dataset.outlineUnitModules.split(' ').filter(Boolean);
      const lessons = modules.flatMap((id) => [
        ...(document.getElementById(`module-${id}`)?.querySelectorAll('[data-outline-lesson]') ?? []),
      ]);
      const figure = unit.querySelector('.outline-count');
      if (figure) count(figure, lessons);
    }
    // The current position: the lesson it was rendered with while not done, else the first not done.
    const current = items.find((item) => item.querySelector('[aria-current]'));
    const next = current && !isDone(current) ? current : items.find((item) => !isDone(item));
    const nextButton = document.getElementById('outline-next');
    const button = nextButton?.querySelector('a');
    // "Start" only while nothing is done.
    if (button && items.some(isDone)) button.querySelector('.outline-next-label').textContent = button.dataset.continue;
    if (next === current) return;
    const here = outline.querySelector('.outline-here');
    current?.querySelector('a')?.removeAttribute('aria-current');
    if (next) {
      const link = next.querySelector('a');
      link.setAttribute('aria-current', 'step');
      if (here) link.querySelector('.outline-lesson-title').after(here);
      if (button) {
        button.href = link.getAttribute('href');
        button.querySelector('.outline-next-title').textContent =
          next.querySelector('.outline-lesson-title').firstChild.textContent;
      }
    } else {
      here?.remove();
    }
    if (nextButton) nextButton.hidden = !next;
    const allDone = document.getElementById('outline-all-done');
    if (allDone) allDone.hidden = Boolean(next);
  }
  // What the server now has replaces what the page was rendered with (it may be a stored copy).
  document.addEventListener('progress-synced', ({ detail }) => {
    for (const figure of document.querySelectorAll('[data-progress-cohort]')) {
      const server = detail.cohorts?.find((entry) => entry.cohort === figure.dataset.progressCohort);
      if (!server) continue;
      figure.dataset.done = server.done;
      figure.dataset.completedLessons = server.completed.join(' ');
    }
    const outline = document.querySelector('[data-outline-cohort]');
    const server = outline && detail.cohorts?.find((entry) => entry.cohort === outline.dataset.outlineCohort);
    if (server) {
      for (const item of outline.querySelectorAll('[data-outline-lesson]')) {
        item.dataset.stored = String(server.completed.includes(item.dataset.outlineLesson));
      }
    }
    showProgress();
  });
  window.addEventListener('storage', (change) => {
    if (change.key === storeKey) showProgress();
  });
  showProgress();

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
  const completeForm = document.getElementById('completion-form');
  const undoForm = document.getElementById('undo-form');
  const queuedHere = () =>
    read().filter((event) => event.kind === 'complete' && event.cohort === cohort && event.lesson === lessonId);
  // Whether the server has the lesson done, as far as this page knows (rendered so, or told by a sync since).
  let storedOnServer = lesson.dataset.completed === 'true';
  // This lesson's completion still waiting to be sent, if there is one (made on this page or before it).
  let completion = queuedHere().at(-1)?.id ?? null;
  let completed = storedOnServer || completion !== null;
  // When the page turned to "done": "not done" takes the button's place, and a double tap must not undo what its first tap did.
  let doneAt = 0;

  /** Shows the lesson done (the way back, "not done", offered) or not done (the button to mark it). */
  function showDone(done, message) {
    completed = done;
    if (done) doneAt = Date.now();
    if (completeForm) completeForm.hidden = done;
    if (undoForm) undoForm.hidden = !done;
    if (status && message) status.textContent = message;
  }
  // A copy kept by the service worker, opened after the lesson was done on this device.
  if (completed && !storedOnServer) showDone(true, status?.dataset.offline);

  /** Records the lesson done on the device; false when the device could not keep it (the form posts instead). */
  function complete(via) {
    if (completed) return true;
    try {
      completion = enqueue({ cohort, lesson: lessonId, kind: 'complete', via });
    } catch {
      return false; // storage full or blocked
    }
    showDone(true, navigator.onLine ? status?.dataset.done : status?.dataset.offline);
    showProgress();
    return true;
  }
  // Kept on the device (or done already): no post, which offline would open the browser's error page.
  completeForm?.addEventListener('submit', (submit) => {
    if (complete('manual')) submit.preventDefault();
  });
  undoForm?.addEventListener('submit', async (submit) => {
    submit.preventDefault();
    if (Date.now() - doneAt < 1000) return;
    // A batch on its way may carry this lesson's completion: once it is answered, the queue and
    // storedOnServer tell where the completion is.
    await inFlight;
    const waiting = new Set(queuedHere().map((event) => event.id));
    if (waiting.size) write(read().filter((event) => !waiting.has(event.id)));
    completion = null;
    if (!storedOnServer) {
      // Only ever on this device: forgetting it is the whole undo, online or not.
      showDone(false, status?.dataset.hint);
      showProgress();
    } else if (navigator.onLine) {
      undoForm.submit();
    } else if (status) {
      status.textContent = status.dataset.undoOffline;
    }
  });
  document.addEventListener('progress-synced', ({ detail }) => {
    const server = detail.cohorts?.find((entry) => entry.cohort === cohort);
    if (server) storedOnServer = server.completed.includes(lessonId);
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
