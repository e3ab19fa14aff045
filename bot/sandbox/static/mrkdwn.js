// Slack's mrkdwn as HTML: *bold*, _italics_, ~strike~, `code`, > quotes, links, user and
// channel mentions, and date tokens in this browser's time zone. Text Slack escaped
// (&lt; &gt; &amp;) is shown as the characters it stands for, never as markup.
"use strict";

const Mrkdwn = (() => {
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function unescapeSlack(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function ordinal(n) {
    const tail = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
    return `${n}${tail}`;
  }

  function dayWord(date) {
    const start = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    const diff = Math.round((start(date) - start(new Date())) / 86400000);
    return ({ "-1": "Yesterday", 0: "Today", 1: "Tomorrow" })[diff] || null;
  }

  function time(date, seconds) {
    let hours = date.getHours();
    const suffix = hours >= 12 ? "PM" : "AM";
    hours = hours % 12 || 12;
    const mm = String(date.getMinutes()).padStart(2, "0");
    const ss = seconds ? `:${String(date.getSeconds()).padStart(2, "0")}` : "";
    return `${hours}:${mm}${ss} ${suffix}`;
  }

  // Slack's date tokens (https://api.slack.com/reference/surfaces/formatting#date-formatting).
  function formatDate(seconds, format) {
    const date = new Date(seconds * 1000);
    const y = date.getFullYear();
    const month = MONTHS[date.getMonth()];
    const day = date.getDate();
    const values = {
      date_num: `${y}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
      date: `${month} ${ordinal(day)}, ${y}`,
      date_short: `${month.slice(0, 3)} ${day}, ${y}`,
      date_long: `${DAYS[date.getDay()]}, ${month} ${ordinal(day)}, ${y}`,
      time: time(date, false),
      time_secs: time(date, true),
    };
    values.date_pretty = dayWord(date) || values.date;
    values.date_short_pretty = dayWord(date) || values.date_short;
    values.date_long_pretty = dayWord(date) || values.date_long;
    return format.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // One <…> control sequence as HTML.
  function control(inner, names) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(label || names[id] || id)}</span>`;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return `<span class="mention">#${escapeHtml(label || names[id] || id)}</span>`;
    }
    if (target.startsWith("!date^")) {
      const [, stamp, format] = target.split("^");
      const seconds = Number(stamp);
      const shown = Number.isFinite(seconds) ? formatDate(seconds, format || "{date}") : label;
      return `<time datetime="${escapeHtml(new Date(seconds * 1000).toISOString())}">${escapeHtml(shown)}</time>`;
    }
    if (target.startsWith("!subteam^")) {
      return `<span class="mention">@${escapeHtml(label || target.slice(9))}</span>`;
    }
    if (target.startsWith("!")) {
      return `<span class="mention broadcast">@${escapeHtml(label || target.slice(1))}</span>`;
    }
    const url = unescapeSlack(target);
    if (/^(https?:|mailto:)/i.test(url)) {
      const shown = label ? unescapeSlack(label) : url;
      return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(shown)}</a>`;
    }
    return escapeHtml(`<${unescapeSlack(inner)}>`);
  }

  function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  const STYLES = [
    [/`([^`\n]+)`/g, "code"],
    [/(^|[\s(>\u0001])\*(?!\s)([^*\n]*?[^\s*])\*(?=$|[\s.,;:!?)'"\u0001])/g, "b"],
    [/(^|[\s(>\u0001])_(?!\s)([^_\n]*?[^\s_])_(?=$|[\s.,;:!?)'"\u0001])/g, "i"],
    [/(^|[\s(>\u0001])~(?!\s)([^~\n]*?[^\s~])~(?=$|[\s.,;:!?)'"\u0001])/g, "s"],
  ];

  function styled(escaped) {
    let html = escaped;
    for (const [pattern, tag] of STYLES) {
      html = tag === "code"
        ? html.replace(pattern, (_, body) => `<code>${body}</code>`)
        : html.replace(pattern, (_, before, body) => `${before}<${tag}>${body}</${tag}>`);
    }
    return html;
  }

  // mrkdwn text → HTML string; every character of the text is escaped first.
  function toHtml(text, names = {}) {
    const controls = [];
    const marked = String(text).replace(/<([^<>]*)>/g, (_, inner) => {
      controls.push(control(inner, names));
      return `\u0001${controls.length - 1}\u0001`;
    });
    const lines = unescapeSlack(marked).split("\n");
    const html = [];
    let quote = [];
    const flush = () => {
      if (quote.length) html.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    for (const line of lines) {
      const rendered = styled(escapeHtml(line.startsWith(">") ? line.replace(/^>\s?/, "") : line));
      if (line.startsWith(">")) {
        quote.push(rendered);
      } else {
        flush();
        html.push(rendered);
      }
    }
    flush();
    return html
      .join("<br>")
      .replace(/<br>(<blockquote>)/g, "$1")
      .replace(/(<\/blockquote>)<br>/g, "$1")
      .replace(/\u0001(\d+)\u0001/g, (_, n) => controls[Number(n)]);
  }

  // plain_text: shown exactly as written.
  function plainHtml(text) {
    return escapeHtml(text).replace(/\n/g, "<br>");
  }

  return { toHtml, plainHtml, escapeHtml, formatDate };
})();
