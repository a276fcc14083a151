// Messages, embeds and components as Discord shows them, built from DOM nodes only.
"use strict";
(function () {
  const md = () => window.StudioMarkdown;
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const colour = (value) => "#" + Number(value || 0).toString(16).padStart(6, "0");

  function image(url, cls) {
    const href = url && md().safeUrl(url);
    if (!href) return null;
    const img = el("img", cls);
    img.src = href;
    img.alt = "";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    return img;
  }

  function formatTime(iso, ctx) {
    return new Intl.DateTimeFormat(ctx.locale, { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
  }

  function embed(data, ctx) {
    const box = el("div", "embed");
    if (data.color !== undefined && data.color !== null) box.style.borderLeftColor = colour(data.color);
    const thumb = data.thumbnail && image(data.thumbnail.url, "thumbnail");
    if (thumb) box.append(thumb);
    if (data.author && data.author.name) {
      const author = el("div", "embed-author");
      const href = data.author.url && md().safeUrl(data.author.url);
      if (href) {
        const a = el("a", "", data.author.name);
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        author.append(a);
      } else author.textContent = data.author.name;
      box.append(author);
    }
    if (data.title) {
      const title = el("div", "embed-title");
      const href = data.url && md().safeUrl(data.url);
      const parts = md().inline(data.title, ctx);
      if (href) {
        const a = el("a");
        a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        parts.forEach((p) => a.append(p));
        title.append(a);
      } else parts.forEach((p) => title.append(p));
      box.append(title);
    }
    if (data.description) {
      const description = el("div", "embed-description");
      description.append(md().render(data.description, ctx));
      box.append(description);
    }
    if (data.fields && data.fields.length) {
      const fields = el("div", "embed-fields");
      data.fields.forEach((f) => {
        const field = el("div", "embed-field" + (f.inline ? " inline" : ""));
        const name = el("div", "name");
        md().inline(f.name, ctx).forEach((p) => name.append(p));
        const value = el("div", "value");
        value.append(md().render(f.value, ctx));
        field.append(name, value);
        fields.append(field);
      });
      box.append(fields);
    }
    const big = data.image && image(data.image.url, "image");
    if (big) box.append(big);
    if ((data.footer && data.footer.text) || data.timestamp) {
      const parts = [];
      if (data.footer && data.footer.text) parts.push(data.footer.text);
      if (data.timestamp) parts.push(formatTime(data.timestamp, ctx));
      box.append(el("div", "embed-footer", parts.join(" • ")));
    }
    return box;
  }

  function button(c, message, ctx) {
    const style = c.style || 2;
    const label = (c.emoji && c.emoji.name ? c.emoji.name + " " : "") + (c.label || "");
    if (style === 5 && c.url) {
      const href = md().safeUrl(c.url);
      const a = el(href ? "a" : "span", "button s5", label + " ↗");
      if (href) { a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; }
      return a;
    }
    const b = el("button", "button s" + style, label);
    b.type = "button";
    b.disabled = !!c.disabled || style === 6;
    b.dataset.customId = c.custom_id || "";
    b.addEventListener("click", () => ctx.onClick(message, c.custom_id));
    return b;
  }

  function select(c, message, ctx) {
    const s = el("select");
    s.disabled = !!c.disabled;
    s.dataset.customId = c.custom_id || "";
    const multiple = (c.max_values || 1) > 1;
    if (multiple) s.multiple = true;
    const placeholder = el("option", "", c.placeholder || ctx.t("select"));
    placeholder.value = "";
    placeholder.disabled = true;
    if (!multiple) s.append(placeholder);
    let chosen = false;
    (c.options || []).forEach((o) => {
      const opt = el("option", "", (o.emoji && o.emoji.name ? o.emoji.name + " " : "") + o.label);
      opt.value = o.value;
      opt.title = o.description || "";
      if (o.default) { opt.selected = true; chosen = true; }
      s.append(opt);
    });
    if (!chosen && !multiple) placeholder.selected = true;
    if (c.type !== 3) {
      s.disabled = true;
      placeholder.textContent = (c.placeholder || "") + " (" + ctx.t("unsupported") + ")";
    }
    s.addEventListener("change", () => {
      const values = Array.from(s.selectedOptions).map((o) => o.value).filter((v) => v !== "");
      ctx.onSelect(message, c.custom_id, values);
    });
    return s;
  }

  function components(list, message, ctx) {
    const frag = document.createDocumentFragment();
    (list || []).forEach((c) => {
      if (c.type === 1) {
        const row = el("div", "row");
        (c.components || []).forEach((child) => {
          row.append(child.type === 2 ? button(child, message, ctx) : select(child, message, ctx));
        });
        frag.append(row);
      } else if (c.type === 10) {
        const text = el("div", "content");
        text.append(md().render(c.content, ctx));
        frag.append(text);
      } else if (c.type === 9) {
        const section = el("div", "row");
        const texts = el("div", "content");
        (c.components || []).forEach((t) => texts.append(md().render(t.content, ctx)));
        section.append(texts);
        if (c.accessory && c.accessory.type === 2) section.append(button(c.accessory, message, ctx));
        const thumb = c.accessory && c.accessory.type === 11 && image((c.accessory.media || {}).url, "thumbnail");
        if (thumb) section.append(thumb);
        frag.append(section);
      } else if (c.type === 12) {
        const gallery = el("div", "row gallery");
        (c.items || []).forEach((item) => {
          const img = image((item.media || {}).url, "image");
          if (img) gallery.append(img);
        });
        frag.append(gallery);
      } else if (c.type === 17) {
        const box = el("div", "container");
        if (c.accent_color !== undefined && c.accent_color !== null) box.style.borderLeftColor = colour(c.accent_color);
        box.append(components(c.components, message, ctx));
        frag.append(box);
      } else if (c.type === 14) {
        frag.append(el("div", "separator"));
      }
    });
    return frag;
  }

  function pingNote(m, ctx) {
    const p = m.pings;
    const who = [];
    if (p.everyone) who.push("@everyone");
    p.roles.forEach((r) => who.push("@" + ((ctx.names.roles[r] || {}).name || r)));
    p.users.forEach((u) => who.push("@" + (ctx.names.users[u] || u)));
    const hasSyntax = /<@[!&]?\d+>|@everyone|@here/.test(m.content || "");
    if (!who.length && !hasSyntax) return null;
    return el("div", "ping-note", who.length ? "🔔 " + ctx.t("pings") + ": " + who.join(", ") : "🔕 " + ctx.t("no_pings"));
  }

  function message(m, ctx) {
    const row = el("article", "message");
    row.dataset.messageId = m.id;
    if (m.ephemeral) row.classList.add("ephemeral");
    if (m.pings.me) row.classList.add("pinged");
    if (m.interaction && m.interaction.user) {
      const reply = el("div", "reply-line");
      reply.append(el("span", "name", "@" + m.interaction.user.name), document.createTextNode(" " + ctx.t("used") + " "));
      reply.append(el("span", "command", "/" + (m.interaction.label || m.interaction.name || "")));
      row.append(el("span"), reply);
    }
    const avatar = el("div", "avatar" + (m.author.bot ? " bot" : ""), (m.author.name || "?").slice(0, 1));
    row.append(avatar);
    const body = el("div", "body");
    const header = el("div", "header");
    const author = el("span", "author", m.author.name);
    if (m.author.color) author.style.color = colour(m.author.color);
    header.append(author);
    if (m.author.bot) header.append(el("span", "app-tag", ctx.t("app")));
    header.append(el("time", "time", formatTime(m.timestamp, ctx)));
    body.append(header);
    if (m.loading) body.append(el("div", "content muted", ctx.t("thinking").replace("{bot}", m.author.name)));
    if (m.content) {
      const content = el("div", "content");
      content.append(md().render(m.content, ctx));
      if (m.edited) content.append(el("span", "edited", " " + ctx.t("edited")));
      body.append(content);
    }
    (m.embeds || []).forEach((e) => body.append(embed(e, ctx)));
    body.append(components(m.components, m, ctx));
    (m.attachments || []).forEach((a) => {
      const link = el("a", "thread-link", "📎 " + a.filename + " (" + a.size + " B)");
      link.href = a.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      body.append(el("div"), link);
    });
    if (m.thread) {
      const thread = el("button", "thread-link");
      thread.type = "button";
      thread.append(el("span", "name", "🧵 " + m.thread.name), document.createTextNode(" · " +
        ctx.t("messages_n").replace("{n}", m.thread.message_count)));
      thread.addEventListener("click", () => ctx.openChannel(m.thread.id));
      body.append(el("div"), thread);
    }
    const ping = pingNote(m, ctx);
    if (ping) body.append(ping);
    if (m.limits && m.limits.length) {
      body.append(el("div", "limit-note", "⚠ " + ctx.t("near_limits") + ": " +
        m.limits.map((l) => l.what + " " + l.used + "/" + l.limit).join(", ")));
    }
    if (m.ephemeral) body.append(el("div", "ephemeral-note", "👁 " + ctx.t("only_you")));
    row.append(body);
    return row;
  }

  function postCard(post, ctx) {
    const card = el("button", "post-card");
    card.type = "button";
    card.dataset.channelId = post.id;
    card.append(el("div", "title", post.name));
    const tags = el("div");
    (post.tags || []).forEach((t) => tags.append(el("span", "tag", t)));
    card.append(tags);
    const first = post.first;
    const preview = first ? first.content || ((first.embeds[0] || {}).title || "") : "";
    card.append(el("div", "muted", preview.slice(0, 140) + " · " + ctx.t("messages_n").replace("{n}", post.message_count)));
    card.addEventListener("click", () => ctx.openChannel(post.id));
    return card;
  }

  window.StudioRender = { message, postCard, embed, components };
})();
