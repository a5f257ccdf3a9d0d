// Live dashboard figures: the page asks the server to tell it when its figures change
// (monitoring:watch, authorised there), and then fetches itself again and swaps the figures in,
// so the numbers, tables and charts are always the server's own rendering (one source of truth).
(() => {
  const root = document.querySelector('[data-live-figures]');
  const status = document.querySelector('[data-live-status]');
  if (!root || typeof io !== 'function') return;
  const { watchCohort, watchInstitution } = root.dataset;
  const watch = watchCohort
    ? { cohort: watchCohort }
    : watchInstitution
      ? { institution: watchInstitution }
      : 'watchNational' in root.dataset
        ? { national: true }
        : null;
  if (!watch) return;
  const socket = io({ reconnectionDelayMax: 10_000, randomizationFactor: 0.5 });
  let timer = null;
  let busy = false;
  const say = (text) => {
    if (status) status.textContent = text;
  };
  async function refresh() {
    if (busy) {
      timer = setTimeout(refresh, 1000);
      return;
    }
    busy = true;
    try {
      const response = await fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.querySelector('[data-live-figures]');
      if (!fresh) return;
      root.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
      window.kompetenCharts?.mount(root);
      const time = new Date().toLocaleTimeString(document.documentElement.lang || 'id', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
      say((status?.dataset.updated || '').replace('%TIME%', time));
      root.dispatchEvent(new CustomEvent('monitoring:refreshed', { bubbles: true }));
    } finally {
      busy = false;
    }
  }
  socket.on('connect', () => {
    socket.emit('monitoring:watch', watch, () => {});
    say('');
  });
  socket.on('disconnect', () => say(status?.dataset.reconnecting || ''));
  // Several changes in a row (a class summarised, many answers at once) make one refresh.
  socket.on('monitoring:changed', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 800);
  });
})();
