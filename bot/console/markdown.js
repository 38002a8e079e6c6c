// WeCom's Markdown subset, rendered safely: every piece of text becomes a text node (never innerHTML), so whatever
// people typed stays text; only the constructs below become elements. Subset: headings, **bold**, lists, [links](…),
// `code` and ``` blocks, > quotes, <font color="info|comment|warning">, and <@userid> mentions shown as @Name.

const INLINE =
  /`([^`\n]+)`|\*\*(.+?)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)|<font\s+color\s*=\s*["']?([#\w]+)["']?\s*>([\s\S]*?)<\/font>|<@([^<>\s]+)>/g;
const NAMED_COLORS = new Set(["info", "comment", "warning"]);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Appends `text`'s inline Markdown to `into`. `nameOf(userid)` gives a member's name for mentions. */
export function renderInline(text, nameOf, into) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) into.append(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      into.append(el("code", "", m[1]));
    } else if (m[2] !== undefined) {
      const strong = el("strong");
      renderInline(m[2], nameOf, strong);
      into.append(strong);
    } else if (m[3] !== undefined) {
      // Only web links become links; anything else (javascript:, data:) stays visible text.
      if (/^https?:\/\//i.test(m[4])) {
        const a = el("a", "", m[3]);
        a.href = m[4];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        into.append(a);
      } else {
        into.append(m[0]);
      }
    } else if (m[5] !== undefined) {
      const span = el("span");
      if (NAMED_COLORS.has(m[5])) span.className = `font-${m[5]}`;
      else if (/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(m[5])) span.style.color = m[5];
      renderInline(m[6], nameOf, span);
      into.append(span);
    } else {
      const who = m[7] === "all" ? "所有人" : (nameOf(m[7]) ?? m[7]);
      const mention = el("span", "mention", `@${who}`);
      mention.dataset.userid = m[7];
      into.append(mention);
    }
  }
  if (last < text.length) into.append(text.slice(last));
}

/** A fragment with `markdown` rendered: blocks line by line, inline constructs inside each. */
export function renderMarkdown(markdown, nameOf) {
  const root = document.createDocumentFragment();
  const lines = String(markdown).replace(/\r\n?/g, "\n").split("\n");
  let open = null; // the paragraph, list or quote that following lines continue
  const closeBlock = () => {
    open = null;
  };
  const continueIn = (kind, make) => {
    if (!open || open.kind !== kind) {
      open = { kind, node: make() };
      root.append(open.node);
      return false;
    }
    return true;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      closeBlock();
      const body = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) body.push(lines[i]);
      const pre = el("pre");
      pre.append(el("code", "", body.join("\n")));
      root.append(pre);
      continue;
    }
    if (line.trim() === "") {
      closeBlock();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      closeBlock();
      const h = el(`h${heading[1].length}`, "md-heading");
      renderInline(heading[2], nameOf, h);
      root.append(h);
      continue;
    }
    const quote = /^>\s?(.*)$/.exec(line);
    if (quote) {
      if (continueIn("quote", () => el("blockquote"))) open.node.append(el("br"));
      renderInline(quote[1], nameOf, open.node);
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
    if (bullet || numbered) {
      continueIn(bullet ? "ul" : "ol", () => el(bullet ? "ul" : "ol"));
      const li = el("li");
      if (numbered) li.value = Number(numbered[1]);
      renderInline(bullet ? bullet[1] : numbered[2], nameOf, li);
      open.node.append(li);
      continue;
    }
    if (continueIn("p", () => el("p"))) open.node.append(el("br"));
    renderInline(line, nameOf, open.node);
  }
  return root;
}
