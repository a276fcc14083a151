// Discord's markdown, rendered to DOM nodes (never HTML strings): listener text is hostile.
"use strict";
(function () {
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(href, children) {
    const a = el("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.title = href;
    children.forEach((c) => a.append(c));
    return a;
  }

  function formatTimestamp(seconds, style, locale) {
    const date = new Date(seconds * 1000);
    if (style === "R") {
      const diff = (date.getTime() - Date.now()) / 1000;
      const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
      const [unit, size] = units.find(([, s]) => Math.abs(diff) >= s) || ["second", 1];
      return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(Math.round(diff / size), unit);
    }
    const styles = {
      t: { timeStyle: "short" }, T: { timeStyle: "medium" }, d: { dateStyle: "short" }, D: { dateStyle: "long" },
      f: { dateStyle: "long", timeStyle: "short" }, F: { dateStyle: "full", timeStyle: "short" },
    };
    return new Intl.DateTimeFormat(locale, styles[style] || styles.f).format(date);
  }

  // Inline rules, tried in order at each position; each returns the node(s) for its match.
  const RULES = [
    [/\\([^A-Za-z0-9\s])/y, (m) => [document.createTextNode(m[1])]],
    [/``([\s\S]+?)``|`([^`]+)`/y, (m) => [el("code", "", m[1] !== undefined ? m[1] : m[2])]],
    [/\|\|([\s\S]+?)\|\|/y, (m, ctx) => {
      const span = el("span", "spoiler");
      span.title = "spoiler";
      inline(m[1], ctx).forEach((c) => span.append(c));
      span.addEventListener("click", () => span.classList.add("shown"));
      return [span];
    }],
    [/\*\*\*([\s\S]+?)\*\*\*(?!\*)/y, (m, ctx) => [wrap("strong", [wrap("em", inline(m[1], ctx))])]],
    [/\*\*([\s\S]+?)\*\*(?!\*)/y, (m, ctx) => [wrap("strong", inline(m[1], ctx))]],
    [/__([\s\S]+?)__(?!_)/y, (m, ctx) => [wrap("u", inline(m[1], ctx))]],
    [/\*(?=\S)([\s\S]*?\S)\*(?!\*)/y, (m, ctx) => [wrap("em", inline(m[1], ctx))]],
    [/_([\s\S]+?)_(?![A-Za-z0-9_])/y, (m, ctx) => [wrap("em", inline(m[1], ctx))]],
    [/~~([\s\S]+?)~~/y, (m, ctx) => [wrap("s", inline(m[1], ctx))]],
    [/\[([^\[\]\n]+)\]\(\s*<?(https?:\/\/[^\s)<>]+)>?(?:\s+"[^"]*")?\s*\)/y, (m, ctx) => {
      const href = safeUrl(m[2]);
      return href ? [link(href, inline(m[1], ctx))] : [document.createTextNode(m[0])];
    }],
    [/<(https?:\/\/[^\s<>]+)>/y, (m) => {
      const href = safeUrl(m[1]);
      return [href ? link(href, [document.createTextNode(m[1])]) : document.createTextNode(m[0])];
    }],
    [/https?:\/\/[^\s<]+[^<.,:;"'\)\]\s]/y, (m) => {
      const href = safeUrl(m[0]);
      return [href ? link(href, [document.createTextNode(m[0])]) : document.createTextNode(m[0])];
    }],
    [/<@!?(\d+)>/y, (m, ctx) => [mention("@" + (ctx.names.users[m[1]] || "unknown-user"))]],
    [/<@&(\d+)>/y, (m, ctx) => {
      const role = ctx.names.roles[m[1]];
      return [mention("@" + (role ? role.name : "deleted-role"))];
    }],
    [/<#(\d+)>/y, (m, ctx) => [mention("#" + (ctx.names.channels[m[1]] || "unknown"))]],
    [/@(everyone|here)/y, (m) => [mention(m[0])]],
    [/<t:(-?\d{1,13})(?::([tTdDfFR]))?>/y, (m, ctx) => {
      const span = el("span", "mention timestamp", formatTimestamp(Number(m[1]), m[2] || "f", ctx.locale));
      return [span];
    }],
    [/<a?:(\w+):(\d+)>/y, (m) => [document.createTextNode(":" + m[1] + ":")]],
  ];
  const SPECIAL = /[\\`|*_~\[<@h]/;

  function mention(text) {
    return el("span", "mention", text);
  }

  function wrap(tag, children) {
    const node = el(tag);
    children.forEach((c) => node.append(c));
    return node;
  }

  function inline(text, ctx) {
    const out = [];
    let plain = "";
    let i = 0;
    const flush = () => {
      if (plain) out.push(document.createTextNode(plain));
      plain = "";
    };
    while (i < text.length) {
      if (!SPECIAL.test(text[i])) {
        plain += text[i++];
        continue;
      }
      let matched = false;
      for (const [re, make] of RULES) {
        re.lastIndex = i;
        const m = re.exec(text);
        if (m && m[0].length) {
          flush();
          make(m, ctx).forEach((n) => out.push(n));
          i += m[0].length;
          matched = true;
          break;
        }
      }
      if (!matched) plain += text[i++];
    }
    flush();
    return out;
  }

  function appendLines(parent, lines, ctx) {
    lines.forEach((line, index) => {
      if (index) parent.append(document.createTextNode("\n"));
      inline(line, ctx).forEach((n) => parent.append(n));
    });
  }

  // Block level: code fences, headings, subtext, block quotes, lists, plain lines.
  function blocks(text, ctx, nested) {
    const frag = document.createDocumentFragment();
    const lines = text.split("\n");
    let paragraph = [];
    const flush = () => {
      if (!paragraph.length) return;
      const span = el("span", "line");
      appendLines(span, paragraph, ctx);
      frag.append(span);
      paragraph = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = /^```([\w+-]*)\s*(.*)$/.exec(line);
      if (fence) {
        let end = -1;
        const rest = fence[2];
        if (rest.endsWith("```") && rest.length >= 3) {
          flush();
          frag.append(el("pre", "", rest.slice(0, -3)));
          continue;
        }
        for (let j = i + 1; j < lines.length; j++) if (lines[j].trimEnd().endsWith("```")) { end = j; break; }
        if (end >= 0) {
          flush();
          const body = [rest, ...lines.slice(i + 1, end), lines[end].trimEnd().slice(0, -3)].filter((l, k, all) =>
            !(k === 0 && l === "") && !(k === all.length - 1 && l === ""));
          frag.append(el("pre", "", body.join("\n")));
          i = end;
          continue;
        }
      }
      if (!nested && line.startsWith(">>> ")) {
        flush();
        const quote = el("blockquote");
        quote.append(blocks([line.slice(4), ...lines.slice(i + 1)].join("\n"), ctx, true));
        frag.append(quote);
        break;
      }
      if (!nested && /^> /.test(line)) {
        flush();
        const quoted = [];
        while (i < lines.length && /^> ?/.test(lines[i]) && !lines[i].startsWith(">>> ")) {
          quoted.push(lines[i].replace(/^> ?/, ""));
          i++;
        }
        i--;
        const quote = el("blockquote");
        quote.append(blocks(quoted.join("\n"), ctx, true));
        frag.append(quote);
        continue;
      }
      const heading = /^(#{1,3}) (.+)$/.exec(line);
      if (heading) {
        flush();
        const h = el("h" + heading[1].length);
        inline(heading[2], ctx).forEach((n) => h.append(n));
        frag.append(h);
        continue;
      }
      const sub = /^-# (.+)$/.exec(line);
      if (sub) {
        flush();
        const s = el("span", "subtext");
        inline(sub[1], ctx).forEach((n) => s.append(n));
        frag.append(s);
        continue;
      }
      if (/^\s*([-*]|\d{1,3}\.) \S/.test(line)) {
        flush();
        const ordered = /^\s*\d/.test(line);
        const list = el(ordered ? "ol" : "ul");
        const start = /^\s*(\d+)\./.exec(line);
        if (start) list.start = Number(start[1]);
        let current = null;
        while (i < lines.length) {
          const item = /^(\s*)([-*]|\d{1,3}\.) (.*)$/.exec(lines[i]);
          if (item && (/^\d/.test(item[2]) === ordered || item[1].length > 0)) {
            if (item[1].length > 0 && current) {
              const inner = el(/^\d/.test(item[2]) ? "ol" : "ul");
              const li = el("li");
              const span = el("span", "line");
              appendLines(span, [item[3]], ctx);
              li.append(span);
              inner.append(li);
              current.append(inner);
            } else {
              current = el("li");
              const span = el("span", "line");
              appendLines(span, [item[3]], ctx);
              current.append(span);
              list.append(current);
            }
            i++;
          } else if (current && /^\s{2,}\S/.test(lines[i])) {
            current.lastChild.append(document.createTextNode("\n"));
            inline(lines[i].trim(), ctx).forEach((n) => current.lastChild.append(n));
            i++;
          } else {
            break;
          }
        }
        i--;
        frag.append(list);
        continue;
      }
      paragraph.push(line);
    }
    flush();
    return frag;
  }

  window.StudioMarkdown = {
    // ctx: {names: {users, roles, channels}, locale}
    render: (text, ctx) => blocks(text || "", ctx, false),
    inline: (text, ctx) => inline(text || "", ctx),
    safeUrl,
  };
})();
