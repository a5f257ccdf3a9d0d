// Live progress of a background export (views/exports/job.ejs): polls the job's JSON at the section's
// data-poll URL, moves the bar and the row count, and reloads once the job has ended to show the
// download link or the reason it failed. Without JavaScript the page refreshes itself every 2 s.
(() => {
  const section = document.getElementById('export-progress');
  const status = section?.dataset.status;
  if ((status !== 'queued' && status !== 'running') || !section.dataset.poll) return;
  const bar = document.getElementById('export-bar');
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
        for (const name of ['rowsDone', 'rowsTotal', 'percent']) show(name, job[name]);
        if (job.status !== 'queued' && job.status !== 'running') return window.location.reload();
        if (job.status !== section.dataset.status) return window.location.reload();
      }
    } catch {
      // A dropped connection: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
})();
