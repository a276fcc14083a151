// The studio page: shows the emulated server as one member sees it and sends what they do to the emulator.
"use strict";
(function () {
  const TEXT = {
    ja: {
      notice: "これはエミュレーターの中の Discord です。本物の Discord には接続していません（このパソコンの中だけで動いています）。",
      viewer: "操作するメンバー", locale: "Discord の表示言語", zone: "時刻は {zone} で表示しています",
      placeholder: "{channel} へメッセージを送信 — / でコマンド", no_send: "{channel} にはメッセージを送信できません — / でコマンド",
      used: "が使用しました", app: "アプリ", thinking: "{bot} が考えています…", edited: "(編集済)",
      only_you: "あなただけに表示されています", pings: "通知", no_pings: "だれにも通知されません",
      near_limits: "Discord の上限に近い", messages_n: "{n} 件のメッセージ", select: "選択してください",
      unsupported: "スタジオでは未対応", send: "送信", cancel: "キャンセル", submit: "送信", required: "必須",
      optional: "任意", no_answer: "アプリケーションが応答しませんでした", channels: "テキストチャンネル",
      dms: "ダイレクトメッセージ", forum_hint: "投稿を選ぶとスレッドが開きます", yes: "はい", no: "いいえ",
      no_commands: "使えるコマンドがありません", connecting: "接続中…", empty: "まだメッセージはありません",
    },
    en: {
      notice: "This is Discord inside an emulator. Nothing goes to the real Discord (it all runs on this computer).",
      viewer: "Acting as", locale: "Discord language", zone: "Times are shown in {zone}",
      placeholder: "Message {channel} — / for commands", no_send: "You cannot send messages in {channel} — / for commands",
      used: "used", app: "APP", thinking: "{bot} is thinking…", edited: "(edited)",
      only_you: "Only you can see this", pings: "Notifies", no_pings: "Nobody is notified",
      near_limits: "Close to Discord's limits", messages_n: "{n} messages", select: "Make a selection",
      unsupported: "not supported in the studio", send: "Send", cancel: "Cancel", submit: "Submit", required: "required",
      optional: "optional", no_answer: "The application did not respond", channels: "Text channels",
      dms: "Direct messages", forum_hint: "Pick a post to open its thread", yes: "True", no: "False",
      no_commands: "No commands you can use", connecting: "Connecting…", empty: "No messages yet",
    },
  };
  const ICONS = { text: "#", news: "📢", forum: "💬", thread: "🧵", dm: "@" };
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  const app = { viewer: null, channel: null, state: null, view: null, commands: [], command: null, suggestion: 0 };
  const locale = () => {
    const viewer = app.state && app.state.viewers.find((v) => v.id === app.viewer);
    return viewer ? viewer.locale : "ja";
  };
  const lang = () => (locale().startsWith("ja") ? "ja" : "en");
  const t = (key) => TEXT[lang()][key] || key;

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function toast(text, info) {
    const box = $("toast");
    box.textContent = text;
    box.className = info ? "info" : "";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  const ctx = () => ({
    names: (app.view && app.view.names) || { users: {}, roles: {}, channels: {} },
    locale: locale(), t,
    onClick: (m, customId) => act("/api/click", { message: m.id, custom_id: customId }),
    onSelect: (m, customId, values) => act("/api/select", { message: m.id, custom_id: customId, values }),
    openChannel: (id) => openChannel(id),
  });

  // --- acting -------------------------------------------------------------------------------

  async function act(path, body) {
    try {
      const result = await api(path, { viewer: app.viewer, ...body });
      if (result.modal) openModal(result.modal);
      else if (!result.responded && !(result.rejected || []).length) toast(t("no_answer"));
      else if ((result.rejected || []).length) toast(t("no_answer") + " (" + result.rejected.join(", ") + ")");
      await refresh();
      return result;
    } catch (error) {
      toast(error.message);
      return null;
    }
  }

  // --- reading ------------------------------------------------------------------------------

  let refreshing = null;
  let again = false;
  async function refresh() {
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      do {
        again = false;
        try {
          app.state = await api("/api/state?viewer=" + encodeURIComponent(app.viewer || ""));
          if (!app.viewer) app.viewer = app.state.viewers[0].id;
          renderChrome();
          const all = channelsOf(app.state);
          if (!app.channel || !all.some((c) => c.id === app.channel)) {
            const first = all.find((c) => c.kind === "text") || all[0];
            app.channel = first ? first.id : null;
          }
          renderSidebar();
          if (app.channel) {
            app.view = await api("/api/channels/" + app.channel + "?viewer=" + app.viewer);
            renderChannel();
          }
        } catch (error) {
          toast(error.message);
        }
      } while (again);
      refreshing = null;
    })();
    return refreshing;
  }

  function channelsOf(state) {
    const list = [];
    state.guilds.forEach((g) => list.push(...g.channels, ...g.threads));
    list.push(...state.dms);
    return list;
  }

  function renderChrome() {
    document.documentElement.lang = lang();
    $("notice").textContent = t("notice");
    document.title = app.state.title;
    $("viewer-label").textContent = t("viewer");
    $("locale-label").textContent = t("locale");
    $("zone-note").textContent = t("zone").replace("{zone}", Intl.DateTimeFormat().resolvedOptions().timeZone);
    const select = $("viewer-select");
    select.replaceChildren(...app.state.viewers.map((v) => {
      const option = el("option", "", (v.label[lang()] || v.label.en || "") + " — " + v.name);
      option.value = v.id;
      option.selected = v.id === app.viewer;
      return option;
    }));
    $("locale-select").value = locale();
  }

  function channelButton(c, thread) {
    const b = el("button", "channel" + (thread ? " thread" : "") + (c.id === app.channel ? " active" : ""));
    b.type = "button";
    b.dataset.channelId = c.id;
    b.append(el("span", "icon", c.private && !thread ? "🔒" : ICONS[c.kind] || "#"), el("span", "", c.name));
    b.addEventListener("click", () => openChannel(c.id));
    return b;
  }

  function renderSidebar() {
    const list = $("channel-list");
    const nodes = [];
    app.state.guilds.forEach((g) => {
      $("guild-name").textContent = g.name;
      nodes.push(el("div", "section-title", t("channels")));
      g.channels.forEach((c) => {
        nodes.push(channelButton(c, false));
        if (c.kind !== "forum") {
          g.threads.filter((th) => th.parent_id === c.id && (!th.archived || th.id === app.channel))
            .slice(-5).forEach((th) => nodes.push(channelButton(th, true)));
        }
      });
    });
    if (app.state.dms.length) {
      nodes.push(el("div", "section-title", t("dms")));
      app.state.dms.forEach((c) => nodes.push(channelButton(c, false)));
    }
    list.replaceChildren(...nodes);
  }

  function renderChannel() {
    const view = app.view;
    const channel = view.channel;
    $("channel-title").textContent = (ICONS[channel.kind] || "#") + " " + channel.name;
    $("channel-topic").textContent = channel.topic || (channel.kind === "forum" ? t("forum_hint") : "");
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const c = ctx();
    const nodes = [];
    if (view.posts) view.posts.forEach((post) => nodes.push(window.StudioRender.postCard(post, c)));
    view.messages.forEach((m) => nodes.push(window.StudioRender.message(m, c)));
    if (!nodes.length) nodes.push(el("p", "muted empty", t("empty")));
    box.replaceChildren(...nodes);
    if (atBottom || box.dataset.channel !== channel.id) box.scrollTop = box.scrollHeight;
    box.dataset.channel = channel.id;
    const input = $("composer-input");
    const forum = channel.kind === "forum";
    input.disabled = forum;  // a forum has no message box: its posts (threads) do
    const name = (ICONS[channel.kind] || "#") + channel.name;
    input.placeholder = forum ? t("forum_hint") : (channel.can_send ? t("placeholder") : t("no_send")).replace("{channel}", name);
  }

  async function openChannel(id) {
    app.channel = id;
    closeCommand();
    app.commands = [];
    await refresh();
  }

  // --- slash commands -----------------------------------------------------------------------

  async function loadCommands() {
    const data = await api("/api/commands?viewer=" + app.viewer + "&channel=" + app.channel);
    app.commands = data.commands;
  }

  function matches(query) {
    const q = query.toLowerCase();
    return app.commands.filter((c) => c.label.toLowerCase().includes(q) || c.path.toLowerCase().includes(q));
  }

  function renderSuggestions() {
    const input = $("composer-input");
    const list = $("suggestions");
    if (!input.value.startsWith("/") || app.command) { list.hidden = true; return; }
    const found = matches(input.value.slice(1).trim());
    app.suggestion = Math.min(app.suggestion, Math.max(0, found.length - 1));
    list.replaceChildren(...(found.length ? found.map((c, index) => {
      const li = el("li", index === app.suggestion ? "active" : "");
      li.dataset.path = c.path;
      li.append(el("span", "name", "/" + c.label), el("span", "desc", c.description));
      li.addEventListener("mousedown", (event) => { event.preventDefault(); pickCommand(c); });
      return li;
    }) : [el("li", "muted", t("no_commands"))]));
    list.hidden = false;
  }

  function optionInput(option) {
    const names = (app.view && app.view.names) || { users: {}, roles: {}, channels: {} };
    const pairs = (obj, f) => Object.entries(obj).map(([id, v]) => [id, f(v)]);
    let input;
    const selectOf = (entries) => {
      const s = el("select");
      const none = el("option", "", "—");
      none.value = "";
      s.append(none, ...entries.map(([value, label]) => {
        const o = el("option", "", label);
        o.value = value;
        return o;
      }));
      return s;
    };
    if (option.choices.length) input = selectOf(option.choices.map((c) => [String(c.value), c.name]));
    else if (option.type === 5) input = selectOf([["true", t("yes")], ["false", t("no")]]);
    else if (option.type === 6) input = selectOf(pairs(names.users, (n) => "@" + n));
    else if (option.type === 8) input = selectOf(pairs(names.roles, (r) => "@" + r.name));
    else if (option.type === 9) input = selectOf([...pairs(names.users, (n) => "@" + n), ...pairs(names.roles, (r) => "@" + r.name)]);
    else if (option.type === 7) input = selectOf(pairs(names.channels, (n) => "#" + n));
    else if (option.type === 11) { input = el("input"); input.type = "file"; }
    else {
      input = el("input");
      input.type = option.type === 4 || option.type === 10 ? "number" : "text";
      if (option.max_length) input.maxLength = option.max_length;
      if (option.min_value !== null) input.min = option.min_value;
      if (option.max_value !== null) input.max = option.max_value;
    }
    input.name = option.name;
    input.dataset.type = option.type;
    input.title = option.description;
    return input;
  }

  function pickCommand(command) {
    app.command = command;
    $("suggestions").hidden = true;
    const form = $("command-form");
    const chip = el("span", "command-chip", "/" + command.label);
    const fields = command.options.map((option) => {
      const label = el("label");
      label.append(el("span", option.required ? "required" : "", option.label + (option.required ? "" : " (" + t("optional") + ")")));
      const input = optionInput(option);
      label.append(input);
      if (option.autocomplete) attachAutocomplete(label, input, option);
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.isComposing) { event.preventDefault(); sendCommand(); }
        if (event.key === "Escape") closeCommand();
      });
      return label;
    });
    const send = el("button", "button s1", t("send"));
    send.type = "submit";
    const cancel = el("button", "button s2", t("cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", closeCommand);
    form.replaceChildren(chip, ...fields, send, cancel);
    form.hidden = false;
    $("composer-input").value = "";
    const first = form.querySelector("input, select");
    (first || send).focus();
  }

  function closeCommand() {
    app.command = null;
    $("command-form").hidden = true;
    $("command-form").replaceChildren();
    $("suggestions").hidden = true;
  }

  async function readOptions() {
    const options = {};
    const types = {};
    for (const input of $("command-form").querySelectorAll("input, select")) {
      const type = Number(input.dataset.type);
      types[input.name] = type;
      if (type === 11) {
        const file = input.files && input.files[0];
        if (file) {
          const bytes = new Uint8Array(await file.arrayBuffer());
          let binary = "";
          bytes.forEach((b) => { binary += String.fromCharCode(b); });
          options[input.name] = { filename: file.name, data: btoa(binary) };
        }
        continue;
      }
      const value = input.dataset.choice !== undefined && input.dataset.choiceFor === input.value
        ? input.dataset.choice : input.value;
      if (value !== "") options[input.name] = value;
    }
    return { options, types };
  }

  async function sendCommand() {
    const command = app.command;
    if (!command) return;
    const { options, types } = await readOptions();
    const missing = command.options.filter((o) => o.required && options[o.name] === undefined);
    if (missing.length) { toast(missing.map((o) => o.label).join(", ") + ": " + t("required")); return; }
    closeCommand();
    await act("/api/slash", { channel: app.channel, command: command.path, options, types });
  }

  function attachAutocomplete(label, input, option) {
    const list = el("ul", "choices");
    list.hidden = true;
    label.append(list);
    let timer = null;
    const ask = async () => {
      const { options, types } = await readOptions();
      options[option.name] = input.value;
      try {
        const result = await api("/api/autocomplete", {
          viewer: app.viewer, channel: app.channel, command: app.command.path, focused: option.name, options, types,
        });
        const choices = result.choices || [];
        list.replaceChildren(...choices.map((c) => {
          const li = el("li", "", c.name);
          li.addEventListener("mousedown", (event) => {
            event.preventDefault();
            input.value = c.name;
            input.dataset.choice = String(c.value);
            input.dataset.choiceFor = c.name;
            list.hidden = true;
          });
          return li;
        }));
        list.hidden = !choices.length || document.activeElement !== input;
      } catch (error) {
        toast(error.message);
      }
    };
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
    input.addEventListener("focus", () => { clearTimeout(timer); timer = setTimeout(ask, 50); });
    input.addEventListener("blur", () => { setTimeout(() => { if (document.activeElement !== input) list.hidden = true; }, 150); });
  }

  // --- modals -------------------------------------------------------------------------------

  function modalInput(c) {
    if (c.type === 4) {
      const input = el(c.style === 2 ? "textarea" : "input");
      input.name = c.custom_id;
      if (c.placeholder) input.placeholder = c.placeholder;
      if (c.value) input.value = c.value;
      if (c.max_length) input.maxLength = c.max_length;
      if (c.min_length) input.minLength = c.min_length;
      input.required = c.required !== false;
      input.dataset.kind = "text";
      return input;
    }
    if (c.type === 3) {
      const s = el("select");
      s.name = c.custom_id;
      s.dataset.kind = "select";
      if ((c.max_values || 1) > 1) s.multiple = true;
      else {
        const none = el("option", "", c.placeholder || t("select"));
        none.value = "";
        s.append(none);
      }
      (c.options || []).forEach((o) => {
        const opt = el("option", "", o.label);
        opt.value = o.value;
        opt.title = o.description || "";
        opt.selected = !!o.default;
        s.append(opt);
      });
      return s;
    }
    if (c.type === 23) {
      const box = el("input");
      box.type = "checkbox";
      box.name = c.custom_id;
      box.checked = !!c.default;
      box.dataset.kind = "checkbox";
      return box;
    }
    if (c.type === 21 || c.type === 22) {
      const group = el("div", "group");
      group.dataset.kind = c.type === 21 ? "radio" : "checkboxes";
      group.dataset.name = c.custom_id;
      (c.options || []).forEach((o) => {
        const label = el("label");
        const input = el("input");
        input.type = c.type === 21 ? "radio" : "checkbox";
        input.name = c.custom_id;
        input.value = o.value;
        input.checked = !!o.default;
        label.append(input, document.createTextNode(" " + o.label));
        group.append(label);
      });
      return group;
    }
    return el("p", "muted", t("unsupported"));
  }

  function openModal(modal) {
    const dialog = $("modal");
    const form = el("form");
    form.method = "dialog";
    form.append(el("h2", "", modal.title));
    const c = ctx();
    modal.components.forEach((component) => {
      if (component.type === 10) {
        const text = el("div", "content");
        text.append(window.StudioMarkdown.render(component.content, c));
        form.append(text);
        return;
      }
      const items = component.type === 18 ? [[component.label, component.description, component.component]]
        : (component.components || []).map((x) => [x.label, null, x]);
      items.forEach(([label, description, inner]) => {
        const field = el("div", "field");
        const required = inner.type === 4 ? inner.required !== false : inner.required === true;
        field.append(el("span", "label" + (required ? " required" : ""), label || ""));
        if (description) field.append(el("span", "description", description));
        const input = modalInput(inner);
        field.append(input);
        if (inner.type === 4 && inner.max_length) {
          const counter = el("span", "counter");
          const update = () => { counter.textContent = input.value.length + " / " + inner.max_length; };
          input.addEventListener("input", update);
          update();
          field.append(counter);
        }
        form.append(field);
      });
    });
    const error = el("p", "error");
    const actions = el("div", "actions");
    const cancel = el("button", "button link", t("cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", () => dialog.close());
    const submit = el("button", "button s1", t("submit"));
    submit.type = "submit";
    actions.append(cancel, submit);
    form.append(error, actions);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const values = {};
      form.querySelectorAll("[data-kind]").forEach((input) => {
        const kind = input.dataset.kind;
        if (kind === "text") values[input.name] = input.value;
        else if (kind === "checkbox") values[input.name] = input.checked;
        else if (kind === "select") values[input.name] = Array.from(input.selectedOptions).map((o) => o.value).filter((v) => v);
        else if (kind === "radio") {
          const chosen = input.querySelector("input:checked");
          values[input.dataset.name] = chosen ? chosen.value : null;
        } else if (kind === "checkboxes") {
          values[input.dataset.name] = Array.from(input.querySelectorAll("input:checked")).map((x) => x.value);
        }
      });
      submit.disabled = true;
      try {
        const result = await api("/api/modal", { viewer: app.viewer, modal: modal.id, values });
        dialog.close();
        if (result.modal) openModal(result.modal);
        else if (!result.responded) toast(t("no_answer"));
        await refresh();
      } catch (e) {
        error.textContent = e.message;
        submit.disabled = false;
      }
    });
    dialog.replaceChildren(form);
    dialog.showModal();
    const first = form.querySelector("input, textarea, select");
    if (first) first.focus();
  }

  // --- operator controls --------------------------------------------------------------------

  async function renderControls() {
    const data = await api("/api/controls");
    const box = $("controls");
    box.replaceChildren(...data.controls.map((control) => {
      const section = el("section", "control");
      section.dataset.control = control.name;
      section.append(el("h3", "", control.label));
      if (control.description) section.append(el("p", "muted", control.description));
      const inputs = {};
      control.fields.forEach((f) => {
        const label = el("label");
        label.append(el("span", "", f.label));
        let input;
        if (f.kind === "select") {
          input = el("select");
          f.choices.forEach((choice) => {
            const option = el("option", "", choice.label);
            option.value = choice.value;
            input.append(option);
          });
          input.addEventListener("change", () => {
            const choice = f.choices.find((x) => x.value === input.value);
            Object.entries((choice && choice.fills) || {}).forEach(([name, value]) => {
              if (inputs[name]) inputs[name].value = value;
            });
          });
        } else {
          input = el(f.kind === "textarea" ? "textarea" : "input");
        }
        input.name = f.name;
        input.value = f.value;
        inputs[f.name] = input;
        label.append(input);
        section.append(label);
      });
      const status = el("p", "control-status");
      const run = el("button", "button s1", control.label);
      run.type = "button";
      run.addEventListener("click", async () => {
        const values = {};
        Object.entries(inputs).forEach(([name, input]) => { values[name] = input.value; });
        run.disabled = true;
        status.textContent = "…";
        try {
          const result = await api("/api/controls/" + encodeURIComponent(control.name), { values });
          await renderControls();  // the choices may have changed (a new post is listed)
          const fresh = document.querySelector("section.control[data-control='" + control.name + "'] .control-status");
          if (fresh) fresh.textContent = result.message;
        } catch (e) {
          status.textContent = e.message;
        } finally {
          run.disabled = false;
        }
      });
      section.append(run, status);
      return section;
    }));
  }

  // --- wiring -------------------------------------------------------------------------------

  function connect() {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/ws");
    let timer = null;
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "changed") { clearTimeout(timer); timer = setTimeout(refresh, 60); }
    });
    socket.addEventListener("open", () => { document.body.dataset.socket = "open"; });
    socket.addEventListener("close", () => {
      document.body.dataset.socket = "closed";
      setTimeout(connect, 1000);
    });
  }

  function setup() {
    const input = $("composer-input");
    input.addEventListener("input", async () => {
      if (input.value.startsWith("/")) {
        if (!app.commands.length) await loadCommands().catch((e) => toast(e.message));
        app.suggestion = 0;
      }
      renderSuggestions();
    });
    input.addEventListener("keydown", async (event) => {
      const list = $("suggestions");
      if (!list.hidden && input.value.startsWith("/")) {
        const found = matches(input.value.slice(1).trim());
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          app.suggestion = (app.suggestion + (event.key === "ArrowDown" ? 1 : found.length - 1)) % Math.max(1, found.length);
          renderSuggestions();
          return;
        }
        if ((event.key === "Enter" || event.key === "Tab") && found.length && !event.isComposing) {
          event.preventDefault();
          pickCommand(found[app.suggestion]);
          return;
        }
      }
      if (event.key === "Enter" && !event.isComposing && input.value.trim() && !input.value.startsWith("/")) {
        event.preventDefault();
        const content = input.value;
        input.value = "";
        try {
          await api("/api/message", { viewer: app.viewer, channel: app.channel, content });
          await refresh();
        } catch (e) {
          toast(e.message);
        }
      }
    });
    input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== input) $("suggestions").hidden = true;
    }, 150));
    $("command-form").addEventListener("submit", (event) => { event.preventDefault(); sendCommand(); });
    $("viewer-select").addEventListener("change", async (event) => {
      app.viewer = event.target.value;
      app.commands = [];
      closeCommand();
      await refresh();
    });
    $("locale-select").addEventListener("change", async (event) => {
      await api("/api/viewer", { viewer: app.viewer, locale: event.target.value }).catch((e) => toast(e.message));
      app.commands = [];
      closeCommand();
      await refresh();
    });
    refresh().then(renderControls).then(() => { document.body.dataset.ready = "true"; });
    connect();
  }

  document.addEventListener("DOMContentLoaded", setup);
  window.StudioApp = { refresh, renderControls, state: app };
})();
