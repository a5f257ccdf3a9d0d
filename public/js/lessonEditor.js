// The lesson editor's images (views/programs/lessonForm.ejs). Insert puts an image's Markdown
// into the lesson text at the cursor; without this script the page shows the Markdown to copy.
// An image upload is sent in the background and only the Images section is replaced, so text
// typed but not yet saved is not lost to a page reload.
(() => {
  const body = document.getElementById('f-body');
  if (!body) return;

  /** The Markdown of an image as a paragraph of its own: blank lines before and after, as needed. */
  function insert(markdown) {
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    const before = body.value.slice(0, start);
    const after = body.value.slice(end);
    const lead = before === '' || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
    const tail = after === '' || after.startsWith('\n\n') ? '' : after.startsWith('\n') ? '\n' : '\n\n';
    body.focus();
    body.setRangeText(`${lead}${markdown}${tail}`, start, end, 'end');
    body.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function bind(section) {
    const status = section.querySelector('.image-status');
    for (const button of section.querySelectorAll('button[data-insert]')) {
      button.hidden = false;
      button.addEventListener('click', () => {
        insert(button.dataset.insert);
        if (status) status.textContent = section.dataset.inserted;
      });
    }
    const upload = section.querySelector('#image-upload');
    upload?.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submit = upload.querySelector('button[type="submit"]');
      if (submit) submit.disabled = true;
      try {
        // Redirected to the editor when kept; the editor again, with the errors, when refused.
        const response = await fetch(upload.action, { method: 'POST', body: new FormData(upload), credentials: 'same-origin' });
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = page.getElementById('lesson-images');
        if (!fresh) throw new Error('no images section in the answer');
        const replacement = document.importNode(fresh, true);
        section.replaceWith(replacement);
        bind(replacement);
        // Refused: the field to correct. Kept: the new image's Insert button (the list's last).
        const buttons = replacement.querySelectorAll('button[data-insert]');
        (replacement.querySelector('[aria-invalid="true"]') ?? buttons[buttons.length - 1])?.focus();
      } catch {
        if (status) status.textContent = section.dataset.failed;
        if (submit) submit.disabled = false;
      }
    });
  }

  const section = document.getElementById('lesson-images');
  if (section) bind(section);
})();
