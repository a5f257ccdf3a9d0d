// Live progress of an import: polls the job and updates the bar without reloading the page;
// reloads once at the end to show the report. Without JavaScript the page refreshes itself.
(() => {
  const section = document.getElementById('import-progress');
  if (!section || section.dataset.status !== 'running') return;
  const bar = document.getElementById('import-bar');
  const show = (name, value) => {
    const element = section.querySelector(`[data-field="${name}"]`);
    if (element) element.textContent = String(value);
  };
  const poll = async () => {
    try {
      const response = await fetch(`/api/v1/units/imports/${section.dataset.job}`, { headers: { Accept: 'application/json' } });
      if (response.ok) {
        const job = await response.json();
        bar.value = job.percent;
        for (const name of ['processed', 'total', 'percent']) show(name, job[name]);
        for (const name of ['created', 'updated', 'unchanged', 'rejected']) show(name, job.counts[name]);
        if (job.status !== 'running') return window.location.reload();
      }
    } catch {
      // A dropped connection: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
})();
