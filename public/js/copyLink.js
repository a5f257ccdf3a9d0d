// The issued link's copy button. Without script the link is a read-only text field to select and
// copy by hand; with it, the button (hidden until then) copies it in one tap.
(() => {
  const button = document.querySelector('[data-copy-button]');
  const source = document.querySelector('[data-copy-source]');
  const status = document.querySelector('.copy-status');
  if (!button || !source) return;
  button.hidden = false;
  source.addEventListener('focus', () => source.select());
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.value);
    } catch {
      // No clipboard access (an old browser, plain http): select the text for a manual copy.
      source.focus();
      source.select();
      document.execCommand?.('copy');
    }
    if (status) status.textContent = button.dataset.copied ?? '';
  });
})();
