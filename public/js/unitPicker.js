// The program form's unit picker (views/partials/unitPicker.ejs), searched as you type: the search
// box becomes a combobox (ARIA 1.2 pattern: the list pops up under it, arrow keys move through it,
// Enter or a tap adds the unit as a ticked box, Escape closes it). Results come from
// GET /api/v1/units/search with the session cookie. Without this script the same form works with
// the "Cari unit" button; with it, that button stays as the way out when the search fails.
(() => {
  const picker = document.getElementById('unit-picker');
  const input = document.getElementById('f-unitQuery');
  const list = document.getElementById('unit-options');
  const chosenList = document.getElementById('unit-chosen');
  if (!picker || !input || !list || !chosenList) return;
  const form = input.form;
  const sectorSelect = document.getElementById('f-unitSector');
  const status = document.getElementById('unit-status');
  const emptyNote = document.getElementById('unit-chosen-empty');
  const searchButton = document.getElementById('unit-search-button');
  const text = picker.dataset;
  const language = document.documentElement.lang === 'en' ? 'en' : 'id';
  const sectorNames = new Map([...(sectorSelect?.options ?? [])].filter((o) => o.value).map((o) => [o.value, o.text]));

  // Enter in the search box is the list's from now on, so the form's default button only saves.
  const defaultButton = form?.querySelector('button[name="intent"][value="enter"]');
  if (defaultButton) defaultButton.value = 'save';
  if (searchButton) searchButton.hidden = true;

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  let results = [];
  let active = -1;
  let timer;
  let inFlight;

  const say = (message) => {
    status.textContent = message;
  };
  const chosenBox = (code) => [...chosenList.querySelectorAll('input[name="units"]')].find((box) => box.value === code);
  const isChosen = (code) => Boolean(chosenBox(code)?.checked);
  const optionId = (index) => `unit-option-${index}`;

  /** Marks an option as already chosen ("sudah dipilih"), or not. */
  function markOption(option, chosen) {
    if (chosen === (option.getAttribute('aria-disabled') === 'true')) return;
    if (chosen) {
      option.setAttribute('aria-disabled', 'true');
      const mark = document.createElement('span');
      mark.className = 'badge';
      mark.textContent = text.textChosen;
      option.append(' ', mark);
    } else {
      option.removeAttribute('aria-disabled');
      option.querySelector('.badge')?.remove();
    }
  }

  function setActive(index) {
    active = index;
    for (const [position, option] of [...list.children].entries())
      option.setAttribute('aria-selected', String(position === index));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', optionId(index));
      list.children[index]?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(-1);
  }

  function open() {
    if (!list.children.length) return;
    const opening = list.hidden;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    // On a phone the list can open below the fold or under the keyboard: bring it into view once.
    if (opening) list.scrollIntoView({ block: 'nearest' });
  }

  /** One line of a unit: code, title, then sector (and "proposed"); built from text, never HTML. */
  function describe(element, unit) {
    const code = document.createElement('code');
    code.textContent = unit.code;
    const title = document.createElement('span');
    title.className = 'unit-title';
    title.textContent = ` ${unit.title[language] || unit.title.id}`;
    const meta = document.createElement('span');
    meta.className = 'unit-meta';
    const parts = [sectorNames.get(unit.sector) || unit.sector];
    if (unit.status === 'proposed') parts.push(text.textProposed);
    meta.textContent = parts.filter(Boolean).join(' · ');
    element.append(code, title, ' ', meta);
  }

  function render(found, hasMore) {
    results = found;
    list.replaceChildren(
      ...found.map((unit, index) => {
        const option = document.createElement('li');
        option.id = optionId(index);
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        describe(option, unit);
        markOption(option, isChosen(unit.code));
        return option;
      }),
    );
    setActive(-1);
    if (found.length) {
      open();
      say((hasMore ? text.textMore : text.textCount).replace('{n}', String(found.length)));
    } else {
      close();
      say(text.textNoResults);
    }
  }

  async function search() {
    const query = input.value.trim();
    const sector = sectorSelect?.value ?? '';
    inFlight?.abort();
    if (query.length < 2 && !(query === '' && sector)) {
      results = [];
      list.replaceChildren();
      close();
      say('');
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    const url = `${picker.dataset.searchUrl}?${new URLSearchParams({ q: query, sector, limit: '20' })}`;
    say(text.textSearching);
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, signal: controller.signal });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      if (inFlight !== controller) return; // a newer search is on its way
      render(page.items, page.hasMore);
    } catch (error) {
      if (error.name === 'AbortError') return;
      close();
      say(text.textFailed);
      if (searchButton) searchButton.hidden = false;
    }
  }

  function choose(index) {
    const unit = results[index];
    if (!unit) return;
    const existing = chosenBox(unit.code);
    if (existing) {
      existing.checked = true;
    } else {
      const item = document.createElement('li');
      const label = document.createElement('label');
      label.className = 'check';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'units';
      box.value = unit.code;
      box.checked = true;
      const line = document.createElement('span');
      line.className = 'unit-text';
      describe(line, unit);
      label.append(box, line);
      item.append(label);
      chosenList.append(item);
    }
    if (emptyNote) emptyNote.hidden = true;
    const option = list.children[index];
    if (option) markOption(option, true);
    say(text.textAdded.replace('{code}', unit.code));
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  sectorSelect?.addEventListener('change', () => {
    clearTimeout(timer);
    search();
  });

  input.addEventListener('keydown', (event) => {
    const count = list.children.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!count) return;
      event.preventDefault();
      if (list.hidden) {
        open();
        setActive(event.key === 'ArrowDown' ? 0 : count - 1);
      } else {
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
      }
    } else if (event.key === 'Enter') {
      // Never sends the form from here: Enter picks the active unit, or searches now.
      event.preventDefault();
      if (!list.hidden && active >= 0) choose(active);
      else {
        clearTimeout(timer);
        search();
      }
    } else if (event.key === 'Escape') {
      if (!list.hidden) {
        event.preventDefault();
        close();
      }
    }
  });

  // A tap or click picks; mousedown would otherwise move the focus out of the box and close the list.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => {
    const option = event.target.closest('[role="option"]');
    if (!option) return;
    const index = [...list.children].indexOf(option);
    setActive(index);
    choose(index);
    input.focus();
  });

  input.addEventListener('focus', () => {
    if (results.length && input.value.trim()) open();
  });
  input.addEventListener('blur', () => close());
  // An unticked or re-ticked unit shows in the list at once.
  chosenList.addEventListener('change', () => {
    for (const [index, unit] of results.entries()) {
      const option = list.children[index];
      if (option) markOption(option, isChosen(unit.code));
    }
  });
})();
