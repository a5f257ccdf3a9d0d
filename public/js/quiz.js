// Taking a quiz over a weak connection. Every answer is kept on the device first (per account and
// attempt), then sent with when it was given; the server's deadline rules what it takes. What the
// server took or refused for good is forgotten; the rest is sent again later, waiting longer after
// each failure, exactly as lesson progress is (learning.js). The timer counts down from the
// seconds the server said were left, on this page's own clock, never the device's date.
(() => {
  const root = document.querySelector('[data-quiz-attempt]');
  if (!root) return;
  const account = root.dataset.account;
  const attempt = root.dataset.quizAttempt;
  const storeKey = `kompeten.quiz.v1:${account}:${attempt}`;
  const clockKey = `${storeKey}:shown`;
  const messages = JSON.parse(root.querySelector('template[data-messages]')?.content.textContent || '{}');
  const csrf = () => root.querySelector('input[name="_csrf"]')?.value || '';
  const api = `/api/v1/quiz-attempts/${encodeURIComponent(attempt)}`;
  const sync = root.querySelector('[data-sync]');

  const read = () => {
    try {
      const stored = JSON.parse(localStorage.getItem(storeKey) || '{}');
      return { answers: stored.answers || {}, submit: Boolean(stored.submit) };
    } catch {
      return { answers: {}, submit: false };
    }
  };
  const write = (state) => localStorage.setItem(storeKey, JSON.stringify(state));

  const items = [...root.querySelectorAll('[data-question]')];
  const itemOf = (id) => items.find((item) => item.dataset.question === id);
  const showState = (id, text) => {
    const slot = itemOf(id)?.querySelector('[data-state]');
    if (slot) slot.textContent = text;
  };

  /** What the inputs of a question say now, as the API takes it. */
  function responseOf(item) {
    const name = `q-${item.dataset.question}`;
    const type = item.dataset.type;
    if (type === 'multiple') return [...item.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
    if (type === 'single' || type === 'trueFalse') {
      const checked = item.querySelector(`input[name="${name}"]:checked`);
      if (!checked) return null;
      return type === 'trueFalse' ? checked.value === 'true' : checked.value;
    }
    if (type === 'matching') {
      const pairs = {};
      for (const select of item.querySelectorAll('select[data-pair]'))
        if (select.value) pairs[select.dataset.pair] = select.value;
      return Object.keys(pairs).length ? pairs : null;
    }
    const field = item.querySelector(`[name="${name}"]`);
    return field && field.value.trim() !== '' ? field.value : null;
  }

  /** Puts a kept answer back into the inputs (a reload, or the page opened again offline). */
  function restore(item, response) {
    const name = `q-${item.dataset.question}`;
    const type = item.dataset.type;
    if (type === 'multiple' || type === 'single' || type === 'trueFalse') {
      const chosen = [].concat(response ?? []).map(String);
      for (const input of item.querySelectorAll(`input[name="${name}"]`)) input.checked = chosen.includes(input.value);
    } else if (type === 'matching') {
      for (const select of item.querySelectorAll('select[data-pair]')) select.value = response?.[select.dataset.pair] ?? '';
    } else {
      const field = item.querySelector(`[name="${name}"]`);
      if (field) field.value = response ?? '';
    }
  }

  let inFlight = null;
  let failures = 0;
  let retryTimer;
  function retryLater(retryAfterSeconds) {
    failures += 1;
    const backoff = Math.min(120_000, 3_000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, Math.max((Number(retryAfterSeconds) || 0) * 1000, backoff));
    report();
  }

  function report() {
    const waiting = Object.keys(read().answers).length;
    if (sync)
      sync.textContent = waiting
        ? `${messages.waiting} (${waiting})${navigator.onLine ? '' : ` · ${messages.offline}`}`
        : messages.allSaved;
  }

  async function send() {
    const state = read();
    const entries = Object.entries(state.answers).slice(0, 200);
    if (entries.length) {
      const sentAt = new Date().toISOString();
      const response = await fetch(`${api}/answers`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'x-csrf-token': csrf() },
        body: JSON.stringify({ answers: entries.map(([question, entry]) => ({ question, ...entry, sentAt })) }),
      });
      if (!response.ok) return retryLater(response.headers.get('Retry-After'));
      const { outcomes } = await response.json();
      const now = read();
      for (const outcome of outcomes) {
        const sent = entries.find(([question]) => question === outcome.question)?.[1];
        // Changed again while this was on its way: the newer answer stays queued.
        if (sent && now.answers[outcome.question]?.answeredAt === sent.answeredAt) delete now.answers[outcome.question];
        showState(outcome.question, outcome.outcome === 'refused' ? messages.refused : messages.saved);
      }
      write(now);
      failures = 0;
      // An answer given (or changed) while this request was on its way is sent now, not at the next
      // event: a "save & next" right after a click would otherwise wait on the device.
      const sentAs = new Map(entries.map(([question, entry]) => [question, entry.answeredAt]));
      if (Object.entries(now.answers).some(([question, entry]) => sentAs.get(question) !== entry.answeredAt)) return send();
    }
    if (read().submit) return submit();
    report();
  }

  function flush() {
    if (inFlight || !navigator.onLine) return report();
    inFlight = send()
      .catch(() => retryLater())
      .finally(() => {
        inFlight = null;
      });
  }

  // Text being typed, kept a moment after the last key (below).
  const typing = new Map();
  function keep(item, advance = false) {
    clearTimeout(typing.get(item));
    typing.delete(item);
    const state = read();
    const id = item.dataset.question;
    state.answers[id] = { response: responseOf(item), answeredAt: new Date().toISOString(), advance };
    write(state);
    showState(id, messages.waiting);
    flush();
  }

  // Answers kept on this device and not yet sent win over what the page was rendered with.
  for (const [id, entry] of Object.entries(read().answers)) {
    const item = itemOf(id);
    if (item) {
      restore(item, entry.response);
      showState(id, messages.waiting);
    }
  }

  for (const item of items) {
    item.addEventListener('change', () => keep(item));
    // Text is kept while typing, a moment after the last key, so a dropped connection loses nothing.
    item.addEventListener('input', (event) => {
      if (!event.target.matches('textarea, input[type="text"]')) return;
      clearTimeout(typing.get(item));
      typing.set(
        item,
        setTimeout(() => keep(item), 1500),
      );
    });
  }
  // Leaving the page (a reload, a closed tab) keeps what was typed in the last moment too.
  window.addEventListener('pagehide', () => {
    for (const [item, pending] of typing) {
      clearTimeout(pending);
      typing.delete(item);
      keep(item);
    }
  });

  // Sequential navigation: one question at a time; moving on locks the one left behind.
  if (root.dataset.sequential) {
    for (const button of root.querySelectorAll('[data-next]'))
      button.addEventListener('click', (event) => {
        event.preventDefault();
        const item = button.closest('[data-question]');
        keep(item, true);
        // Locked as the server now has it: "Save answers" and submitting no longer send it (it would be refused).
        item.dataset.locked = '1';
        for (const input of item.querySelectorAll('input, select, textarea, button')) input.disabled = true;
        const next = items[items.indexOf(item) + 1];
        if (next) {
          next.hidden = false;
          next.querySelector('input, select, textarea')?.focus();
        }
      });
  }

  const saveButton = root.querySelector('[data-save]');
  saveButton?.addEventListener('click', (event) => {
    event.preventDefault();
    for (const item of items) if (!item.hidden && !item.dataset.locked) keep(item);
  });

  // Submitting: what is still queued goes with it; offline, the submit waits for the connection.
  async function submit() {
    const state = read();
    state.submit = true;
    write(state);
    if (!navigator.onLine) {
      if (sync) sync.textContent = messages.submitQueued;
      return;
    }
    if (sync) sync.textContent = messages.submitting;
    const sentAt = new Date().toISOString();
    try {
      const response = await fetch(`${api}/submission`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'x-csrf-token': csrf(),
          'Idempotency-Key': root.dataset.submitKey,
        },
        body: JSON.stringify({
          answers: Object.entries(state.answers).map(([question, entry]) => ({ question, ...entry, sentAt })),
        }),
      });
      // 409: the first submit is still being handled; ask again shortly.
      if (response.status === 409 || response.status >= 500) return retryLater(response.headers.get('Retry-After'));
      // Submitted: nothing typed is kept any more (leaving the page would queue it again).
      for (const pending of typing.values()) clearTimeout(pending);
      typing.clear();
      localStorage.removeItem(storeKey);
      localStorage.removeItem(clockKey);
      location.assign(location.pathname);
    } catch {
      if (sync) sync.textContent = messages.submitQueued;
      retryLater();
    }
  }

  root.querySelector('[data-submit-form]')?.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const item of items)
      if (!item.hidden && !item.dataset.locked) {
        const kept = read().answers[item.dataset.question];
        if (!kept) {
          const response = responseOf(item);
          if (response !== null) keep(item);
        }
      }
    if (window.confirm(messages.confirmSubmit)) submit();
  });

  /** "4:05", "1:04:05", or with days when a quiz closes days ahead ("6 hari 23:59:50"), as the server renders it. */
  const clock = (left) => {
    const two = (value) => String(value).padStart(2, '0');
    const days = Math.floor(left / 86_400);
    const hours = Math.floor((left % 86_400) / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const time = days || hours ? `${hours}:${two(minutes)}:${two(left % 60)}` : `${minutes}:${two(left % 60)}`;
    return days ? `${(messages.days || '{days}d').replace('{days}', days)} ${time}` : time;
  };

  // The timer: seconds left as the server said, counted on this page's monotonic clock.
  const timer = root.querySelector('[data-timer]');
  let secondsLeft = Number(root.dataset.secondsLeft);
  // A copy of the page kept on the device (sw.js: a reload offline) still says the seconds left when
  // it was rendered: the time since this device first showed that very copy is taken off. Only a
  // difference of the device's clock is used, and never to add time.
  try {
    const shown = JSON.parse(localStorage.getItem(clockKey) || 'null');
    if (shown?.rendered === root.dataset.rendered) secondsLeft -= Math.max(0, (Date.now() - shown.at) / 1000);
    else localStorage.setItem(clockKey, JSON.stringify({ rendered: root.dataset.rendered, at: Date.now() }));
  } catch {
    // No storage: the page's own reading stands.
  }
  if (timer && root.dataset.secondsLeft !== '') {
    const start = performance.now();
    const tick = () => {
      const left = Math.max(0, Math.round(secondsLeft - (performance.now() - start) / 1000));
      timer.textContent = clock(left);
      if (left === 0) {
        clearInterval(interval);
        if (sync) sync.textContent = messages.timeUp;
        // The server has ended the attempt; what was given in time is still sent, then the result shown.
        for (const control of root.querySelectorAll('.quiz-form-take input, .quiz-form-take select, .quiz-form-take textarea'))
          control.disabled = true;
        submit();
      }
    };
    const interval = setInterval(tick, 1000);
    tick();
  }

  // The attempt's page is kept for a reload without a connection (sw.js).
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  window.addEventListener('online', flush);
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' || flush());
  if (read().submit) submit();
  else flush();
})();
