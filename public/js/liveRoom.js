// The live room (docs/live-room.md). One socket, joined on every connect: after a short drop
// Socket.IO replays what was missed (socket.recovered) and nothing is asked again; after a longer
// one the room's snapshot replaces what is shown. Everything from others is put on the page with
// textContent, never as HTML.
(() => {
  const root = document.querySelector('[data-live-room]');
  if (!root || typeof io !== 'function') return;
  const session = root.dataset.liveRoom;
  const staff = root.dataset.staff === 'true';
  const text = JSON.parse(root.querySelector('template[data-messages]')?.content.textContent || '{}');
  const $ = (selector) => root.querySelector(selector);
  const status = $('[data-status]');

  const state = {
    you: null,
    present: new Map(),
    presentCount: 0,
    messages: [],
    questions: new Map(),
    polls: new Map(),
    hands: [],
    muted: new Set(),
    deck: null,
    page: 1,
    closed: false,
  };

  const newClientId = () =>
    (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  // In WIB, as every time in the app is, whatever zone the device is set to.
  const timeOf = (iso) =>
    new Date(iso).toLocaleTimeString(document.documentElement.lang, {
      hour: '2-digit',
      minute: '2-digit',
      timeZone: 'Asia/Jakarta',
    });
  const element = (tag, props = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      // Custom properties through the CSSOM: the pages' CSP refuses inline style attributes.
      else if (key === 'vars') for (const [name, setting] of Object.entries(value)) node.style.setProperty(name, setting);
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== undefined) node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  const fill = (template, values) => template.replace(/\{\{(\w+)\}\}/g, (_, key) => values[key] ?? '');

  const socket = io({ reconnectionDelayMax: 10_000, randomizationFactor: 0.5 });

  /** Sends an event and resolves with its data; rejects with the server's message (in the user's language). */
  const send = (event, payload) =>
    new Promise((resolve, reject) => {
      socket.timeout(15_000).emit(event, { session, ...payload }, (error, answer) => {
        if (error) reject(new Error(text.failed));
        else if (answer?.ok) resolve(answer.data);
        else reject(new Error(answer?.error?.errors?.[0]?.message || answer?.error?.message || text.failed));
      });
    });

  const showError = (slot, error) => {
    const node = $(slot);
    if (!node) return;
    node.textContent = error ? error.message : '';
    node.hidden = !error;
  };

  // --- the tabs --------------------------------------------------------------------------------------
  const tabs = [...root.querySelectorAll('[data-tab]')];
  const selectTab = (tab) => {
    for (const button of tabs) {
      const selected = button === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      $(`[data-panel="${button.dataset.tab}"]`).hidden = !selected;
      if (selected) button.querySelector('.count').textContent = '';
    }
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      selectTab(next);
      next.focus();
    });
  }
  /** A small count on a tab that is not open, so news in another panel is not missed. */
  const bump = (name) => {
    const tab = tabs.find((candidate) => candidate.dataset.tab === name);
    if (!tab || tab.getAttribute('aria-selected') === 'true') return;
    const count = tab.querySelector('.count');
    count.textContent = String(Number(count.textContent || 0) + 1);
  };

  // --- rendering -------------------------------------------------------------------------------------
  const roleLabel = (person) =>
    person.role === 'instructor' ? text.instructor : person.role === 'trainee' ? '' : text.staffRole;

  const renderMessage = (message) =>
    element('li', { dataset: { id: message.id }, class: message.author.role === 'trainee' ? '' : 'from-staff' }, [
      element('span', { class: 'who', text: message.author.id === state.you?.id ? text.you : message.author.name }),
      roleLabel(message.author) && element('span', { class: 'badge', text: roleLabel(message.author) }),
      element('time', { datetime: message.at, text: timeOf(message.at) }),
      element('p', { text: message.text }),
      staff &&
        element('button', {
          type: 'button',
          class: 'link small',
          text: text.delete,
          onclick: () => send('chat:delete', { message: message.id }).catch((error) => showError('[data-chat-error]', error)),
        }),
    ]);

  const chat = $('[data-chat]');
  const addMessage = (message, { notify = true } = {}) => {
    if (state.messages.some((known) => known.id === message.id)) return;
    state.messages.push(message);
    const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
    chat.append(renderMessage(message));
    // Keeps the list short on a phone: the oldest go once there are many.
    while (chat.children.length > 300) chat.firstElementChild.remove();
    if (nearBottom || message.author.id === state.you?.id) chat.scrollTop = chat.scrollHeight;
    if (notify) bump('chat');
  };
  const renderChat = () => {
    chat.replaceChildren(...state.messages.map(renderMessage));
    chat.scrollTop = chat.scrollHeight;
  };

  const renderQuestions = () => {
    const list = $('[data-questions]');
    const questions = [...state.questions.values()].sort(
      (a, b) => Number(a.answered) - Number(b.answered) || b.votes - a.votes || a.at.localeCompare(b.at),
    );
    list.replaceChildren(
      ...questions.map((question) => {
        const own = question.author.id === state.you?.id;
        return element('li', { dataset: { id: question.id }, class: question.answered ? 'answered' : '' }, [
          element('p', { text: question.text }),
          element('small', {
            text: `${own ? text.you : question.author.name} · ${timeOf(question.at)}${question.answered ? ` · ${text.answered}` : ''}`,
          }),
          element('div', { class: 'row-actions' }, [
            element(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                'aria-pressed': String(question.voted),
                disabled: own || question.voted || state.closed,
                'aria-label': `${text.upvote}: ${question.text}`,
                onclick: () =>
                  send('question:upvote', { question: question.id })
                    .then(() => {
                      question.voted = true;
                      renderQuestions();
                    })
                    .catch((error) => showError('[data-question-error]', error)),
              },
              [
                element('span', { 'aria-hidden': 'true', text: '▲ ' }),
                element('span', { text: fill(text.votes, { count: question.votes }) }),
              ],
            ),
            staff &&
              !question.answered &&
              element('button', {
                type: 'button',
                class: 'secondary small',
                text: text.markAnswered,
                onclick: () =>
                  send('question:answer', { question: question.id }).catch((error) => showError('[data-question-error]', error)),
              }),
            staff &&
              element('button', {
                type: 'button',
                class: 'link small',
                text: text.delete,
                onclick: () =>
                  send('question:delete', { question: question.id }).catch((error) => showError('[data-question-error]', error)),
              }),
          ]),
        ]);
      }),
    );
    $('[data-no-questions]').hidden = questions.length > 0;
  };

  const renderPolls = () => {
    const list = $('[data-polls]');
    const polls = [...state.polls.values()].reverse();
    list.replaceChildren(
      ...polls.map((poll) => {
        const total = poll.total ?? 0;
        const showCounts = poll.counts !== null;
        const options = poll.options.map((option, index) => {
          const count = showCounts ? poll.counts[index] : 0;
          const share = showCounts && total ? Math.round((count / total) * 100) : 0;
          const chosen = poll.myVote === index;
          const canVote = !staff && poll.open && poll.myVote === null && !state.closed;
          return element('li', { class: chosen ? 'chosen' : '' }, [
            canVote
              ? element('button', {
                  type: 'button',
                  class: 'secondary',
                  text: option,
                  onclick: () =>
                    send('poll:vote', { poll: poll.id, option: index })
                      .then(() => {
                        poll.myVote = index;
                        renderPolls();
                      })
                      .catch((error) => showError('[data-poll-error]', error)),
                })
              : element('span', { text: `${option}${chosen ? ` (${text.voted})` : ''}` }),
            showCounts && element('span', { class: 'bar', vars: { '--share': `${share}%` }, text: `${count} · ${share}%` }),
          ]);
        });
        return element('li', { class: 'poll', dataset: { id: poll.id } }, [
          element('p', { class: 'poll-question', text: poll.question }),
          element('ol', { class: 'poll-options' }, options),
          element('small', {
            text: [showCounts ? fill(text.totalVotes, { count: total }) : text.resultsHidden, poll.open ? '' : text.pollClosed]
              .filter(Boolean)
              .join(' · '),
          }),
          staff &&
            element('div', { class: 'row-actions' }, [
              element('button', {
                type: 'button',
                class: 'secondary small',
                text: poll.resultsShown ? text.hideResults : text.showResults,
                onclick: () =>
                  send('poll:show', { poll: poll.id, shown: !poll.resultsShown }).catch((error) =>
                    showError('[data-poll-error]', error),
                  ),
              }),
              poll.open &&
                element('button', {
                  type: 'button',
                  class: 'secondary small',
                  text: text.closePoll,
                  onclick: () => send('poll:close', { poll: poll.id }).catch((error) => showError('[data-poll-error]', error)),
                }),
            ]),
        ]);
      }),
    );
    $('[data-no-polls]').hidden = polls.length > 0;
  };

  const renderPeople = () => {
    const hands = $('[data-hands]');
    hands.replaceChildren(
      ...state.hands.map((hand) =>
        element('li', {}, [
          element('span', { text: hand.user === state.you?.id ? text.you : hand.name }),
          element('time', { datetime: hand.raisedAt, text: timeOf(hand.raisedAt) }),
          staff &&
            element('button', {
              type: 'button',
              class: 'secondary small',
              text: text.lowerHand,
              onclick: () => send('hand:lower', { user: hand.user }).catch(() => {}),
            }),
        ]),
      ),
    );
    $('[data-no-hands]').hidden = state.hands.length > 0;
    const handButton = $('[data-hand]');
    if (handButton) {
      const up = state.hands.some((hand) => hand.user === state.you?.id);
      handButton.textContent = up ? text.lowerHand : text.raiseHand;
      handButton.setAttribute('aria-pressed', String(up));
      handButton.disabled = state.closed;
    }
    const people = [...state.present.values()].sort(
      (a, b) => Number(a.role === 'trainee') - Number(b.role === 'trainee') || a.name.localeCompare(b.name),
    );
    // A big class lists its first names only (the server sends at most 200); the count is everyone.
    const count = Math.max(state.presentCount, people.length);
    $('[data-present-count]').textContent = `(${count})`;
    const unlisted = $('[data-unlisted]');
    unlisted.textContent = count > people.length ? fill(text.others, { count: count - people.length }) : '';
    unlisted.hidden = count <= people.length;
    $('[data-people]').replaceChildren(
      ...people.map((person) => {
        const muted = state.muted.has(person.id);
        const manageable = staff && person.role === 'trainee' && !state.closed;
        return element('li', {}, [
          element('span', { text: person.id === state.you?.id ? `${person.name} (${text.you})` : person.name }),
          roleLabel(person) && element('span', { class: 'badge', text: roleLabel(person) }),
          muted && element('span', { class: 'badge muted-badge', text: text.mutedBadge }),
          manageable &&
            element('span', { class: 'row-actions' }, [
              element('button', {
                type: 'button',
                class: 'secondary small',
                text: muted ? text.unmute : text.mute,
                'aria-label': `${muted ? text.unmute : text.mute}: ${person.name}`,
                onclick: () => send('member:mute', { user: person.id, muted: !muted }).catch(() => {}),
              }),
              element('button', {
                type: 'button',
                class: 'danger small',
                text: text.remove,
                'aria-label': `${text.remove}: ${person.name}`,
                onclick: () => {
                  if (window.confirm(fill(text.removeConfirm, { name: person.name })))
                    send('member:remove', { user: person.id }).catch(() => {});
                },
              }),
            ]),
        ]);
      }),
    );
  };

  const slideImage = $('[data-slide-image]');
  const renderSlide = () => {
    const page = state.deck?.pages[state.page - 1];
    $('[data-no-slides]').hidden = Boolean(page);
    $('[data-slide-nav]').hidden = !page;
    slideImage.hidden = !page;
    $('[data-slide-page]').textContent = page ? fill(text.page, { page: state.page, pages: state.deck.pages.length }) : '';
    if (page) {
      // Sized for the screen: the browser takes the narrowest copy that fills the slide's width.
      slideImage.srcset = page.sources.map((source) => `${source.url} ${source.width}w`).join(', ');
      slideImage.sizes = '(min-width: 64rem) 60vw, 100vw';
      slideImage.src = page.sources.at(-1).url;
      slideImage.width = page.width;
      slideImage.height = page.height;
      slideImage.alt = fill(text.slideAlt, { page: state.page, pages: state.deck.pages.length });
    }
    const prev = $('[data-slide-prev]');
    const next = $('[data-slide-next]');
    if (prev) prev.disabled = !page || state.page <= 1 || state.closed;
    if (next) next.disabled = !page || state.page >= state.deck.pages.length || state.closed;
  };

  const renderComposer = () => {
    const mutedNow = Boolean(state.you?.muted);
    for (const form of root.querySelectorAll('[data-chat-form], [data-question-form]'))
      for (const control of form.elements) control.disabled = mutedNow || state.closed;
    showError('[data-chat-error]', mutedNow && !state.closed ? new Error(text.muted) : null);
  };

  const renderAll = () => {
    renderChat();
    renderQuestions();
    renderPolls();
    renderPeople();
    renderSlide();
    renderComposer();
  };

  /** The class is over for this page: ended, or this person removed. The record stays readable. */
  const close = (message) => {
    state.closed = true;
    const notice = $('[data-closed]');
    notice.textContent = message;
    notice.hidden = false;
    status.textContent = message;
    for (const control of root.querySelectorAll('button, input, textarea'))
      if (!control.closest('.room-tabs')) control.disabled = true;
    socket.disconnect();
  };

  const applySnapshot = (snapshot) => {
    state.you = snapshot.you;
    state.present = new Map(snapshot.present.map((person) => [person.id, person]));
    state.presentCount = snapshot.presentCount;
    state.messages = snapshot.messages;
    state.questions = new Map(snapshot.questions.map((question) => [question.id, question]));
    state.polls = new Map(snapshot.polls.map((poll) => [poll.id, poll]));
    state.hands = snapshot.hands;
    state.muted = new Set(snapshot.muted);
    if (snapshot.you.muted) state.muted.add(snapshot.you.id);
    state.deck = snapshot.slides.deck && typeof snapshot.slides.deck === 'object' ? snapshot.slides.deck : null;
    state.page = snapshot.slides.page;
    renderAll();
    if (snapshot.ended) close(text.ended);
  };

  // --- the connection --------------------------------------------------------------------------------
  socket.on('connect', () => {
    status.textContent = text.connected;
    if (socket.recovered) return; // Socket.IO replayed what was missed; the view is current.
    send('room:join', {})
      .then(applySnapshot)
      .catch((error) => close(error.message));
  });
  socket.on('disconnect', (reason) => {
    if (state.closed) return;
    status.textContent = reason === 'io server disconnect' ? text.offline : text.reconnecting;
  });
  socket.on('connect_error', () => {
    if (!state.closed) status.textContent = navigator.onLine === false ? text.offline : text.reconnecting;
  });

  const mine = (handler) => (payload) => {
    if (payload?.session === session) handler(payload);
  };
  // Arrivals and departures, gathered by the server into one message a second at most.
  socket.on(
    'presence',
    mine(({ joined, left, count }) => {
      for (const person of joined) state.present.set(person.id, person);
      for (const id of left) state.present.delete(id);
      if (typeof count === 'number') state.presentCount = count;
      renderPeople();
    }),
  );
  socket.on(
    'chat:message',
    mine(({ message }) => addMessage(message)),
  );
  socket.on(
    'chat:deleted',
    mine(({ id }) => {
      state.messages = state.messages.filter((message) => message.id !== id);
      chat.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
    }),
  );
  socket.on(
    'question:new',
    mine(({ question }) => {
      state.questions.set(question.id, question);
      renderQuestions();
      bump('questions');
    }),
  );
  socket.on(
    'question:votes',
    mine(({ id, votes }) => {
      const question = state.questions.get(id);
      if (!question) return;
      question.votes = votes;
      renderQuestions();
    }),
  );
  socket.on(
    'question:answered',
    mine(({ id }) => {
      const question = state.questions.get(id);
      if (!question) return;
      question.answered = true;
      renderQuestions();
    }),
  );
  socket.on(
    'question:deleted',
    mine(({ id }) => {
      state.questions.delete(id);
      renderQuestions();
    }),
  );
  socket.on(
    'poll:new',
    mine(({ poll }) => {
      state.polls.set(poll.id, {
        ...poll,
        myVote: null,
        counts: staff ? poll.options.map(() => 0) : null,
        total: staff ? 0 : null,
      });
      renderPolls();
      bump('polls');
    }),
  );
  socket.on(
    'poll:results',
    mine(({ id, counts, total }) => {
      const poll = state.polls.get(id);
      if (!poll) return;
      Object.assign(poll, { counts, total });
      if (!staff) poll.resultsShown = true;
      renderPolls();
    }),
  );
  socket.on(
    'poll:hidden',
    mine(({ id }) => {
      const poll = state.polls.get(id);
      if (!poll) return;
      poll.resultsShown = false;
      if (!staff) Object.assign(poll, { counts: null, total: null });
      renderPolls();
    }),
  );
  // Staff learn that results are shown from their own click; everyone gets poll:results.
  socket.on(
    'poll:closed',
    mine(({ id }) => {
      const poll = state.polls.get(id);
      if (!poll) return;
      poll.open = false;
      renderPolls();
    }),
  );
  socket.on(
    'hand:queue',
    mine(({ hands }) => {
      state.hands = hands;
      renderPeople();
      if (staff) bump('people');
    }),
  );
  socket.on(
    'member:muted',
    mine(({ user, muted }) => {
      if (muted) state.muted.add(user);
      else state.muted.delete(user);
      if (state.you && user === state.you.id) state.you.muted = muted;
      renderPeople();
      renderComposer();
    }),
  );
  socket.on(
    'slides:deck',
    mine(({ deck, page }) => {
      state.deck = deck;
      state.page = page;
      renderSlide();
    }),
  );
  socket.on(
    'slides:page',
    mine(({ page }) => {
      state.page = page;
      renderSlide();
    }),
  );
  socket.on(
    'room:removed',
    mine(() => close(text.removed)),
  );
  socket.on(
    'room:ended',
    mine(() => close(text.ended)),
  );

  // --- what the user does ----------------------------------------------------------------------------
  const composer = (selector, event, errorSlot) => {
    const form = $(selector);
    form?.addEventListener('submit', (submit) => {
      submit.preventDefault();
      const input = form.elements.text;
      const value = input.value.trim();
      if (!value) return;
      // One id per thing typed: sent again after a drop, it is stored once.
      form.dataset.clientId ||= newClientId();
      const button = form.querySelector('button');
      button.disabled = true;
      send(event, { text: value, clientId: form.dataset.clientId })
        .then((stored) => {
          input.value = '';
          delete form.dataset.clientId;
          showError(errorSlot, null);
          if (event === 'chat:send') addMessage(stored, { notify: false });
          else {
            state.questions.set(stored.id, state.questions.get(stored.id) ?? stored);
            renderQuestions();
          }
        })
        .catch((error) => showError(errorSlot, error))
        .finally(() => {
          button.disabled = state.closed || Boolean(state.you?.muted);
          input.focus();
        });
    });
  };
  composer('[data-chat-form]', 'chat:send', '[data-chat-error]');
  composer('[data-question-form]', 'question:ask', '[data-question-error]');

  $('[data-hand]')?.addEventListener('click', () => {
    const up = state.hands.some((hand) => hand.user === state.you?.id);
    send(up ? 'hand:lower' : 'hand:raise', {}).catch(() => {});
  });

  const pollForm = $('[data-poll-form]');
  pollForm?.addEventListener('submit', (submit) => {
    submit.preventDefault();
    const options = pollForm.elements.options.value
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    pollForm.dataset.clientId ||= newClientId();
    send('poll:launch', { question: pollForm.elements.question.value, options, clientId: pollForm.dataset.clientId })
      .then(() => {
        pollForm.reset();
        delete pollForm.dataset.clientId;
        pollForm.closest('details').open = false;
        showError('[data-poll-error]', null);
      })
      .catch((error) => showError('[data-poll-error]', error));
  });

  const turn = (step) => send('slides:goto', { page: state.page + step }).catch(() => {});
  $('[data-slide-prev]')?.addEventListener('click', () => turn(-1));
  $('[data-slide-next]')?.addEventListener('click', () => turn(1));

  // Slides go up with fetch, so the room (and its socket) stays open; the server announces the deck.
  const slideForm = $('[data-slide-form]');
  slideForm?.addEventListener('submit', (submit) => {
    submit.preventDefault();
    const button = slideForm.querySelector('button');
    button.disabled = true;
    showError('[data-slide-error]', new Error(text.uploading));
    fetch(slideForm.action, { method: 'POST', body: new FormData(slideForm), headers: { accept: 'application/json' } })
      .then(async (response) => {
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(body.errors?.[0]?.message || body.detail || text.failed);
        slideForm.reset();
        slideForm.closest('details').open = false;
        showError('[data-slide-error]', null);
      })
      .catch((error) => showError('[data-slide-error]', error))
      .finally(() => {
        button.disabled = false;
      });
  });

  $('[data-end]')?.addEventListener('click', () => send('room:end', {}).catch(() => {}));
})();
