// Block Kit as DOM: the blocks dealdesk sends (header, section with fields and accessory,
// context, divider, actions, input, image) and their elements (buttons with styles and
// confirm dialogs, checkboxes, selects, text inputs, date pickers).
"use strict";

const Blocks = (() => {
  function el(tag, className, html) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function textHtml(text, names) {
    if (!text) return "";
    return text.type === "mrkdwn" ? Mrkdwn.toHtml(text.text, names) : Mrkdwn.plainHtml(text.text, text.emoji !== false);
  }

  // ctx: {names, values (block_id → action_id → state), errors (block_id → text),
  //       act(block, element, extra), confirm(dialog) → Promise<boolean>}
  function render(blocks, ctx) {
    const root = el("div", "blocks");
    for (const block of blocks || []) {
      const node = renderBlock(block, ctx);
      if (node) {
        node.dataset.blockId = block.block_id || "";
        root.append(node);
      }
    }
    return root;
  }

  function renderBlock(block, ctx) {
    switch (block.type) {
      case "header":
        return el("h3", "block header", textHtml(block.text, ctx.names));
      case "divider":
        return el("hr", "block divider");
      case "section":
        return section(block, ctx);
      case "context": {
        const node = el("div", "block context");
        for (const item of block.elements || []) {
          node.append(item.type === "image"
            ? image(item.image_url, item.alt_text, "context-image")
            : el("span", "", textHtml(item, ctx.names)));
        }
        return node;
      }
      case "actions": {
        const node = el("div", "block actions");
        for (const element of block.elements || []) node.append(renderElement(block, element, ctx));
        return node;
      }
      case "input":
        return input(block, ctx);
      case "image": {
        const node = el("figure", "block image");
        node.append(image(block.image_url, block.alt_text));
        if (block.title) node.append(el("figcaption", "", textHtml(block.title, ctx.names)));
        return node;
      }
      default: {
        const node = el("div", "block unknown");
        node.textContent = `[${block.type} block]`;
        return node;
      }
    }
  }

  function section(block, ctx) {
    const node = el("div", "block section");
    const body = el("div", "section-body");
    if (block.text) body.append(el("div", "section-text", textHtml(block.text, ctx.names)));
    if (block.fields) {
      const fields = el("div", "fields");
      for (const field of block.fields) fields.append(el("div", "field", textHtml(field, ctx.names)));
      body.append(fields);
    }
    node.append(body);
    if (block.accessory) {
      const accessory = el("div", "accessory");
      accessory.append(renderElement(block, block.accessory, ctx));
      node.append(accessory);
    }
    return node;
  }

  function image(url, alt, className) {
    const node = el("img", className || "");
    node.src = url;
    node.alt = alt || "";
    return node;
  }

  function renderElement(block, element, ctx) {
    switch (element.type) {
      case "button":
        return button(block, element, ctx);
      case "checkboxes":
      case "radio_buttons":
        return choices(block, element, ctx);
      case "static_select":
      case "overflow":
        return select(block, element, ctx);
      case "datepicker":
        return datepicker(block, element, ctx);
      case "image":
        return image(element.image_url, element.alt_text, "accessory-image");
      default:
        return el("span", "unknown", Mrkdwn.escapeHtml(`[${element.type}]`));
    }
  }

  function button(block, element, ctx) {
    const node = el("button", `button ${element.style || ""}`, textHtml(element.text, ctx.names));
    node.type = "button";
    node.dataset.actionId = element.action_id || "";
    if (element.url) {
      node.addEventListener("click", () => window.open(element.url, "_blank", "noopener"));
      return node;
    }
    node.addEventListener("click", async () => {
      if (element.confirm && !(await ctx.confirm(element.confirm))) return;
      node.disabled = true;
      try {
        await ctx.act(block, element, { type: "button", value: element.value });
      } finally {
        node.disabled = false;
      }
    });
    return node;
  }

  function stateOf(ctx, block, element) {
    const blockValues = ctx.values[block.block_id] || (ctx.values[block.block_id] = {});
    return blockValues[element.action_id];
  }

  function setState(ctx, block, element, state) {
    const blockValues = ctx.values[block.block_id] || (ctx.values[block.block_id] = {});
    blockValues[element.action_id] = { type: element.type, ...state };
  }

  function choices(block, element, ctx) {
    const many = element.type === "checkboxes";
    const node = el("div", `choices ${element.type}`);
    const known = stateOf(ctx, block, element);
    const initial = many ? element.initial_options || [] : element.initial_option ? [element.initial_option] : [];
    const selected = known ? (many ? known.selected_options : [known.selected_option]).filter(Boolean) : initial;
    const chosen = new Set(selected.map((option) => option.value));
    if (!known) setState(ctx, block, element, many ? { selected_options: selected } : { selected_option: selected[0] || null });
    const name = `${block.block_id}:${element.action_id}`;
    for (const option of element.options || []) {
      const label = el("label", "choice");
      const box = el("input");
      box.type = many ? "checkbox" : "radio";
      box.name = name;
      box.value = option.value;
      box.checked = chosen.has(option.value);
      box.addEventListener("change", () => {
        const boxes = [...node.querySelectorAll("input")];
        const picked = (element.options || []).filter((o) => boxes.find((b) => b.value === o.value && b.checked));
        const state = many ? { selected_options: picked } : { selected_option: picked[0] || null };
        setState(ctx, block, element, state);
        if (block.type !== "input") ctx.act(block, element, state, { quiet: true });
      });
      const words = el("span", "choice-text", textHtml(option.text, ctx.names));
      if (option.description) words.append(el("small", "", textHtml(option.description, ctx.names)));
      label.append(box, words);
      node.append(label);
    }
    return node;
  }

  function select(block, element, ctx) {
    const node = el("select", `select ${element.type}`);
    node.dataset.actionId = element.action_id || "";
    const known = stateOf(ctx, block, element);
    const current = known && known.selected_option ? known.selected_option.value : element.initial_option ? element.initial_option.value : "";
    const blank = el("option", "", element.type === "overflow" ? "⋯" : Mrkdwn.escapeHtml(element.placeholder ? element.placeholder.text : "Choose…"));
    blank.value = "";
    node.append(blank);
    for (const option of element.options || []) {
      const item = el("option", "", Mrkdwn.escapeHtml(option.text.text));
      item.value = option.value;
      item.selected = option.value === current;
      node.append(item);
    }
    if (element.type !== "overflow" && (current || !known)) {
      const chosen = (element.options || []).find((o) => o.value === current) || null;
      setState(ctx, block, element, { selected_option: chosen });
    }
    node.addEventListener("change", () => {
      const chosen = (element.options || []).find((o) => o.value === node.value) || null;
      const state = { selected_option: chosen };
      if (element.type === "overflow") {
        node.value = "";
        if (chosen) ctx.act(block, element, state);
        return;
      }
      setState(ctx, block, element, state);
      if (block.type !== "input") ctx.act(block, element, state, { quiet: true });
    });
    return node;
  }

  function datepicker(block, element, ctx) {
    const node = el("input", "datepicker");
    node.type = "date";
    const known = stateOf(ctx, block, element);
    node.value = known ? known.selected_date || "" : element.initial_date || "";
    setState(ctx, block, element, { selected_date: node.value || null });
    node.addEventListener("change", () => {
      setState(ctx, block, element, { selected_date: node.value || null });
      if (block.type !== "input") ctx.act(block, element, { selected_date: node.value || null }, { quiet: true });
    });
    return node;
  }

  function input(block, ctx) {
    const node = el("div", "block input");
    const label = el("label", "input-label", textHtml(block.label, ctx.names));
    if (block.optional) label.append(el("span", "optional", " (optional)"));
    node.append(label);
    const element = block.element || {};
    let field;
    if (element.type === "plain_text_input" || element.type === "number_input" || element.type === "email_text_input" || element.type === "url_text_input") {
      field = el(element.multiline ? "textarea" : "input", "text-input");
      if (!element.multiline) field.type = element.type === "number_input" ? "text" : "text";
      if (element.placeholder) field.placeholder = element.placeholder.text;
      const known = stateOf(ctx, block, element);
      field.value = known ? known.value || "" : element.initial_value || "";
      setState(ctx, block, element, { value: field.value || null });
      field.addEventListener("input", () => setState(ctx, block, element, { value: field.value || null }));
      field.dataset.actionId = element.action_id || "";
    } else {
      field = renderElement(block, element, ctx);
    }
    node.append(field);
    if (block.hint) node.append(el("div", "hint", textHtml(block.hint, ctx.names)));
    const error = ctx.errors && ctx.errors[block.block_id];
    if (error) {
      node.classList.add("has-error");
      const message = el("div", "field-error");
      message.setAttribute("role", "alert");
      message.textContent = error;
      node.append(message);
    }
    return node;
  }

  return { render, textHtml };
})();
