// The sandbox page: a small Slack client for the people of the policy. Everything a person
// does here goes to the sandbox server, which sends it to the real app as Slack would.
"use strict";

const page = {
  as: localStorage.getItem("dealdesk.as") || "",
  in: localStorage.getItem("dealdesk.in") || "",
  thread: null,
  data: null,
  values: {}, // view id → block_id → action_id → state, as Slack keeps view state
  loading: null,
  loads: 0, // the newest load() (see there)
  policy: false, // showing the policy's picture instead of a conversation
  policySvg: null,
};

const $ = (selector) => document.querySelector(selector);

async function call(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

// The newest load wins: an older one answering later (a reload from the event stream
// racing a click on a person) would otherwise put back whom the page showed before.
async function load() {
  const ticket = ++page.loads;
  const query = new URLSearchParams({ as: page.as, in: page.in });
  const data = await call(`/sandbox/state?${query}`);
  if (ticket !== page.loads) return;
  page.data = data;
  page.as = data.me;
  page.in = data.conversation.id;
  localStorage.setItem("dealdesk.as", page.as);
  localStorage.setItem("dealdesk.in", page.in);
  render();
}

// Many changes arrive at once (a card, its thread reply, a Home refresh): load once.
function reload() {
  if (page.loading) return;
  page.loading = setTimeout(async () => {
    page.loading = null;
    try {
      await load();
    } catch (error) {
      console.error(error);
    }
  }, 60);
}

function render() {
  const data = page.data;
  renderPeople(data);
  renderStatuses(data);
  renderList($("#apps"), [{ id: data.app.home, name: "dealdesk · Home", unread: 0 }, { id: data.app.dm, name: "dealdesk · Messages", unread: data.app.unread }], "");
  renderList($("#channels"), data.channels, "#");
  $("#now").textContent = `🕘 ${new Date(data.clock.now).toLocaleString([], { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" })}`;
  $("#now").title = data.clock.shifted ? `The app's clock, ${data.clock.shifted} ahead of real time` : "The app's clock";
  renderPresets(data.presets);
  if (page.policy) {
    renderPolicy();
  } else {
    renderConversation(data);
    renderThread(data);
  }
  renderModal(data);
}

// The authority matrix as dealdesk draws it (`dealdesk policy graph --format svg`).
async function openPolicy() {
  page.policy = true;
  page.policySvg = await (await fetch("/sandbox/policy.svg")).text();
  render();
}

function renderPolicy() {
  $("#title").textContent = "The policy";
  $("#thread").hidden = true;
  const pane = $("#conversation");
  pane.dataset.conversation = "policy";
  const figure = document.createElement("figure");
  figure.className = "policy";
  figure.innerHTML = page.policySvg || "";
  const caption = document.createElement("figcaption");
  caption.innerHTML = "Stages left to right; below each approval, where it goes when nobody answers. <code>dealdesk policy graph --format svg</code> draws the same picture, <code>--format mermaid</code> as text for GitHub and docs.";
  figure.append(caption);
  pane.replaceChildren(figure);
}

function renderPeople(data) {
  const list = $("#people");
  list.replaceChildren();
  for (const person of data.people) {
    const item = document.createElement("li");
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = person.id === data.me ? "person current" : "person";
    pick.dataset.user = person.id;
    pick.innerHTML = `<span class="name">${Mrkdwn.escapeHtml(person.name)}</span>${statusHtml(person.status)}<span class="role">${Mrkdwn.escapeHtml(person.role)}</span>`;
    if (person.pending) pick.innerHTML += `<span class="badge" title="Pending approvals">${person.pending}</span>`;
    pick.addEventListener("click", () => {
      page.as = person.id;
      page.in = "";
      page.thread = null;
      load();
    });
    item.append(pick);
    list.append(item);
  }
}

// A Slack status beside a name: its emoji (a shortcode Slack would show as the emoji),
// its text on hover, as Slack's sidebar shows it.
function statusHtml(status) {
  if (!status) return "";
  const emoji = Mrkdwn.emoji(status.emoji) || Mrkdwn.plainHtml(status.emoji);
  const until = status.until ? ` until ${Mrkdwn.formatDate(status.until, "{date_short_pretty} {time}")}` : "";
  const title = Mrkdwn.escapeHtml(`${status.text || status.emoji}${until}`);
  return `<span class="status" title="${title}" aria-label="${title}">${emoji}</span>`;
}

function renderStatuses(data) {
  const select = $("#status");
  if (!select.options.length) {
    const choices = [{ id: "", label: "Set your Slack status…" }, ...data.statuses, { id: "clear", label: "Clear your status" }];
    for (const choice of choices) {
      const option = document.createElement("option");
      option.value = choice.id;
      option.textContent = choice.label;
      select.append(option);
    }
  }
  const me = data.people.find((person) => person.id === data.me);
  const mine = me && me.status;
  $("#my-status").innerHTML = mine ? `${statusHtml(mine)} ${Mrkdwn.plainHtml(mine.text)}` : "";
}

function renderList(list, entries, prefix) {
  list.replaceChildren();
  for (const entry of entries) {
    const item = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.className = entry.id === page.in ? "conversation current" : "conversation";
    open.dataset.conversation = entry.id;
    open.textContent = `${prefix}${entry.name}`;
    if (entry.unread) open.innerHTML += ` <span class="badge">${entry.unread}</span>`;
    open.addEventListener("click", () => openConversation(entry.id));
    item.append(open);
    list.append(item);
  }
}

async function openConversation(id) {
  page.policy = false;
  page.in = id;
  page.thread = null;
  await load();
  if (page.data.conversation.kind === "home") {
    await call("/sandbox/home", { as: page.as }); // answers once the app has published it
    await load();
  }
}

function renderPresets(presets) {
  const select = $("#preset");
  if (select.options.length) return;
  const first = document.createElement("option");
  first.value = "";
  first.textContent = "Submit a ready deal…";
  select.append(first);
  for (const preset of presets) {
    const option = document.createElement("option");
    option.value = preset.id;
    option.textContent = preset.label;
    select.append(option);
  }
}

function names() {
  return page.data.names;
}

function context(container, viewId) {
  const values = viewId ? page.values[viewId] || (page.values[viewId] = {}) : {};
  return {
    names: names(),
    values,
    errors: {},
    confirm: confirmDialog,
    act: (block, element, state, options = {}) => act(container, block, element, state, viewId, options),
  };
}

async function act(container, block, element, state, viewId, options) {
  const body = {
    as: page.as,
    container,
    block_id: block.block_id || "",
    action: { type: element.type, action_id: element.action_id, text: element.text, ...state },
    state: viewId ? page.values[viewId] || {} : {},
  };
  try {
    await call("/sandbox/act", body);
  } catch (error) {
    if (!options.quiet) notice(`The app did not take that: ${error.message}`);
  }
}

function messageNode(message, data, inThread) {
  const node = document.createElement("article");
  node.className = "message";
  node.dataset.ts = message.ts;
  const head = document.createElement("header");
  const when = new Date(Number(message.ts.split(".")[0]) * 1000);
  head.innerHTML = `<span class="author">dealdesk</span><span class="app-tag">APP</span><time>${when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" })}</time>`;
  if (message.edited) head.innerHTML += `<span class="edited">(edited)</span>`;
  node.append(head);
  const ctx = context({ type: "message", channel: message.channel, ts: message.ts });
  node.append(message.blocks.length ? Blocks.render(message.blocks, ctx) : textOnly(message.text));
  if (!inThread && message.replies && message.replies.length) {
    const open = document.createElement("button");
    open.type = "button";
    open.className = "replies";
    open.textContent = `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`;
    open.addEventListener("click", () => {
      page.thread = message.ts;
      render();
    });
    node.append(open);
  }
  return node;
}

function textOnly(text) {
  const node = document.createElement("div");
  node.className = "blocks";
  node.innerHTML = Mrkdwn.toHtml(text, names());
  return node;
}

function ephemeralNode(ephemeral) {
  const node = document.createElement("article");
  node.className = "message ephemeral";
  const head = document.createElement("header");
  head.innerHTML = `<span class="author">dealdesk</span><span class="app-tag">APP</span><span class="only-you">Only visible to you</span>`;
  node.append(head);
  const ctx = context({ type: "ephemeral", channel: ephemeral.channel, ts: ephemeral.ts });
  node.append(ephemeral.blocks.length ? Blocks.render(ephemeral.blocks, ctx) : textOnly(ephemeral.text));
  return node;
}

function renderConversation(data) {
  const pane = $("#conversation");
  const conversation = data.conversation;
  $("#title").textContent = conversation.title;
  pane.replaceChildren();
  pane.dataset.conversation = conversation.id;
  if (conversation.kind === "home") {
    const view = data.home;
    if (!view) {
      pane.innerHTML = `<p class="empty">Opening the Home tab…</p>`;
      return;
    }
    const home = document.createElement("div");
    home.className = "home";
    home.append(Blocks.render(view.blocks, context({ type: "view", view_id: view.id }, view.id)));
    pane.append(home);
    return;
  }
  const items = [
    ...conversation.messages.map((m) => ({ ts: m.ts, node: () => messageNode(m, data, false) })),
    ...conversation.ephemerals.map((e) => ({ ts: e.ts, node: () => ephemeralNode(e) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  if (!items.length) {
    pane.innerHTML = `<p class="empty">Nothing here yet. Submit a deal from the top bar, or type <code>/deal help</code> below.</p>`;
  }
  for (const item of items) pane.append(item.node());
  pane.scrollTop = pane.scrollHeight;
}

function renderThread(data) {
  const pane = $("#thread");
  const parent = data.conversation.messages.find((m) => m.ts === page.thread);
  if (!parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  pane.replaceChildren();
  const head = document.createElement("header");
  head.innerHTML = `<h2>Thread</h2>`;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "×";
  close.setAttribute("aria-label", "Close the thread");
  close.addEventListener("click", () => {
    page.thread = null;
    render();
  });
  head.append(close);
  pane.append(head, messageNode(parent, data, true));
  for (const reply of parent.replies) pane.append(messageNode(reply, data, true));
}

function renderModal(data) {
  const layer = $("#modal-layer");
  const modal = data.modal;
  if (!modal) {
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  const view = modal.view;
  const focused = document.activeElement && layer.contains(document.activeElement) ? document.activeElement.dataset.actionId : null;
  layer.hidden = false;
  layer.replaceChildren();
  const box = document.createElement("form");
  box.className = "modal";
  box.setAttribute("role", "dialog");
  box.innerHTML = `<header><h2>${Blocks.textHtml(view.title, names())}</h2></header>`;
  const ctx = context({ type: "view", view_id: view.id }, view.id);
  ctx.errors = modal.errors || {};
  box.append(Blocks.render(view.blocks, ctx));
  const buttons = document.createElement("footer");
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button";
  cancel.textContent = view.close ? view.close.text : "Cancel";
  cancel.addEventListener("click", () => call("/sandbox/close", { as: page.as, view_id: view.id }).then(load));
  buttons.append(cancel);
  if (view.submit) {
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "button primary";
    submit.textContent = view.submit.text;
    buttons.append(submit);
  }
  box.append(buttons);
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = requiredMissing(view, page.values[view.id] || {});
    if (Object.keys(missing).length) {
      modal.errors = missing; // as Slack's client does, before anything is sent
      renderModal(page.data);
      return;
    }
    const answer = await call("/sandbox/submit", { as: page.as, view_id: view.id, state: page.values[view.id] || {} });
    if (answer.problem) notice(answer.problem);
    await load();
  });
  layer.append(box);
  const again = focused && box.querySelector(`[data-action-id="${CSS.escape(focused)}"]`);
  (again || box.querySelector("input, textarea, select"))?.focus();
}

// Required inputs left empty: Slack's client refuses to submit them.
function requiredMissing(view, values) {
  const missing = {};
  for (const block of view.blocks || []) {
    if (block.type !== "input" || block.optional) continue;
    const state = (values[block.block_id] || {})[block.element.action_id] || {};
    const filled = (state.value !== null && state.value !== undefined && state.value !== "")
      || state.selected_option || (state.selected_options || []).length || state.selected_date;
    if (!filled) missing[block.block_id] = "Please complete this required field.";
  }
  return missing;
}

function confirmDialog(confirm) {
  const dialog = $("#confirm");
  dialog.innerHTML = `<form method="dialog"><h2>${Blocks.textHtml(confirm.title, names())}</h2><p>${Blocks.textHtml(confirm.text, names())}</p><footer><button value="no" class="button">${Mrkdwn.escapeHtml(confirm.deny ? confirm.deny.text : "Cancel")}</button><button value="yes" class="button ${confirm.style || "primary"}">${Mrkdwn.escapeHtml(confirm.confirm ? confirm.confirm.text : "Yes")}</button></footer></form>`;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.showModal();
  });
}

function notice(text) {
  const node = document.createElement("div");
  node.className = "toast";
  node.setAttribute("role", "status");
  node.textContent = text;
  document.body.append(node);
  setTimeout(() => node.remove(), 6000);
}

function wire() {
  $("#composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("#message");
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith("/")) {
      notice("The sandbox takes slash commands here, such as /deal status or /deal help.");
      return;
    }
    input.value = "";
    try {
      await call("/sandbox/command", { as: page.as, channel: page.in, text });
    } catch (error) {
      notice(error.message);
    }
    reload();
  });
  $("#open-policy").addEventListener("click", openPolicy);
  $("#new-deal").addEventListener("click", () => call("/sandbox/command", { as: page.as, channel: page.in, text: "/deal new" }).then(reload));
  $("#preset").addEventListener("change", async (event) => {
    const preset = event.target.value;
    event.target.value = "";
    if (!preset) return;
    try {
      const answer = await call("/sandbox/deal", { preset });
      notice(answer.said);
    } catch (error) {
      notice(error.message);
    }
  });
  $("#status").addEventListener("change", async (event) => {
    const status = event.target.value;
    event.target.value = "";
    if (!status) return;
    try {
      const answer = await call("/sandbox/status", { as: page.as, status });
      notice(answer.said);
    } catch (error) {
      notice(error.message);
    }
    reload();
  });
  for (const button of document.querySelectorAll("#clock button")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const answer = await call("/sandbox/clock", { advance: button.dataset.advance });
        notice(answer.said);
      } finally {
        button.disabled = false;
      }
      reload();
    });
  }
  const events = new EventSource("/sandbox/events");
  events.onmessage = reload;
}

document.addEventListener("DOMContentLoaded", () => {
  wire();
  load();
});
