// Live progress of an import (views/partials/jobProgress.ejs): polls the job's JSON at the section's
// data-poll URL and updates the bar and counts without reloading the page; reloads once at the end to
// show the report. Without JavaScript the page refreshes itself.
(() => {
  const section = document.getElementById('import-progress');
  if (section?.dataset.status !== 'running' || !section.dataset.poll) return;
  const bar = document.getElementById('import-bar');
  const counts = (section.dataset.counts || '').split(' ').filter(Boolean);
  const show = (name, value) => {
    const element = section.querySelector(`[data-field="${name}"]`);
    if (element && value !== undefined) element.textContent = String(value);
  };
  const poll = async () => {
    try {
      const response = await fetch(section.dataset.poll, { headers: { Accept: 'application/json' } });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.percent;
        for (const name of ['processed', 'total', 'percent']) show(name, job[name]);
        for (const name of counts) show(name, job.counts[name]);
        if (job.status !== 'running') return window.location.reload();
      }
    } catch {
      // A dropped connection: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
})();
