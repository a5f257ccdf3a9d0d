// Live progress of a background job: an import (views/partials/jobProgress.ejs) or an export
// (views/exports/job.ejs). Polls the job's JSON at the section's data-poll URL, moves the bar and
// the figures named in data-fields (and data-counts, under the job's `counts`) without reloading,
// and reloads once the job's status changes, to show the report, the download or the failure.
// data-running lists the statuses still under way. Without JavaScript the page refreshes itself.
(() => {
  const section = document.querySelector('[data-job-progress]');
  const running = (section?.dataset.running || 'running').split(' ');
  if (!section?.dataset.poll || !running.includes(section.dataset.status)) return;
  const bar = section.querySelector('progress');
  const words = (value) => (value || '').split(' ').filter(Boolean);
  const fields = words(section.dataset.fields);
  const counts = words(section.dataset.counts);
  const show = (name, value) => {
    const element = section.querySelector(`[data-field="${name}"]`);
    if (element && value !== undefined) element.textContent = String(value);
  };
  const poll = async () => {
    try {
      const response = await fetch(section.dataset.poll, { headers: { Accept: 'application/json' } });
      if (response.ok) {
        const job = await response.json();
        if (bar) bar.value = job.percent;
        for (const name of fields) show(name, job[name]);
        for (const name of counts) show(name, job.counts?.[name]);
        if (job.status !== section.dataset.status) return window.location.reload();
      }
    } catch {
      // A dropped connection: try again on the next tick.
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
})();
