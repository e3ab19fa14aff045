// Slack's mrkdwn as HTML: *bold*, _italics_, ~strike~, `code`, > quotes, links, user and
// channel mentions, emoji shortcodes, and date tokens in this browser's time zone. Text Slack escaped
// (&lt; &gt; &amp;) is shown as the characters it stands for, never as markup.
"use strict";

const Mrkdwn = (() => {
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  // The shortcodes dealdesk's copy, the out-of-office defaults (policies/away.py) and
  // common Slack statuses use; any other :shortcode: stays as text, as in a workspace
  // without that custom emoji.
  const EMOJI = {
    palm_tree: "🌴", airplane: "✈️", desert_island: "🏝️", beach_with_umbrella: "🏖️",
    face_with_thermometer: "🤒", mask: "😷", hospital: "🏥", baby: "👶", sleeping: "😴",
    spiral_calendar_pad: "🗓️", calendar: "📆", date: "📅", house: "🏠",
    house_with_garden: "🏡", bus: "🚌", car: "🚗", train: "🚆", coffee: "☕",
    knife_fork_plate: "🍽️", headphones: "🎧", no_entry: "⛔", no_entry_sign: "🚫",
    red_circle: "🔴", large_green_circle: "🟢", white_check_mark: "✅",
    heavy_check_mark: "✔️", x: "❌", warning: "⚠️", rotating_light: "🚨",
    hourglass_flowing_sand: "⏳", hourglass: "⌛", alarm_clock: "⏰", bell: "🔔",
    memo: "📝", pencil: "📝", clipboard: "📋", inbox_tray: "📥", mailbox: "📫",
    moneybag: "💰", money_with_wings: "💸", chart_with_upwards_trend: "📈",
    robot_face: "🤖", bust_in_silhouette: "👤", busts_in_silhouette: "👥",
    raising_hand: "🙋", wave: "👋", tada: "🎉", eyes: "👀", thumbsup: "👍", "+1": "👍",
    thumbsdown: "👎", "-1": "👎", pray: "🙏", speech_balloon: "💬", sunny: "☀️",
    arrow_right: "➡️", leftwards_arrow_with_hook: "↩️", fast_forward: "⏩",
    black_right_pointing_double_triangle_with_vertical_bar: "⏭️", lock: "🔒",
    link: "🔗", scales: "⚖️", briefcase: "💼", page_facing_up: "📄",
  };

  // ":palm_tree:" → 🌴 (a skin tone, as in :wave::skin-tone-2:, is dropped); null if unknown.
  function emoji(code) {
    const match = /^:([a-z0-9_+'-]+):(?::skin-tone-\d:)?$/.exec(String(code).trim());
    return match && Object.hasOwn(EMOJI, match[1]) ? EMOJI[match[1]] : null;
  }

  // In escaped HTML text: each known :shortcode: as its emoji, titled with its shortcode.
  function emojified(escaped) {
    return escaped.replace(/:([a-z0-9_+'-]+):(?::skin-tone-\d:)?/g, (whole, name) =>
      Object.hasOwn(EMOJI, name) ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : whole);
  }

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

  // Styles, then emoji outside `code` (Slack shows a shortcode in code as typed).
  function styled(escaped) {
    const code = [];
    let html = escaped.replace(STYLES[0][0], (_, body) => {
      code.push(`<code>${body}</code>`);
      return `\u0002${code.length - 1}\u0002`;
    });
    for (const [pattern, tag] of STYLES.slice(1)) {
      html = html.replace(pattern, (_, before, body) => `${before}<${tag}>${body}</${tag}>`);
    }
    return emojified(html).replace(/\u0002(\d+)\u0002/g, (_, n) => code[Number(n)]);
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

  // plain_text: shown as written, with shortcodes as emoji when it says "emoji": true
  // (Slack's default).
  function plainHtml(text, withEmoji = true) {
    const html = escapeHtml(text).replace(/\n/g, "<br>");
    return withEmoji ? emojified(html) : html;
  }

  return { toHtml, plainHtml, escapeHtml, formatDate, emoji };
})();
