// Small DOM and formatting helpers. Text from the server only ever goes in as text nodes, never as HTML.

/** h("a", { href: "#/", class: "x", onclick: fn }, "text", child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "value" || key === "checked" || key === "indeterminate") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export const clear = (node) => { node.replaceChildren(); return node; };

/** Replaces a node's children (null, false and undefined are skipped; arrays are flattened). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
export const num = (n) => (n === undefined || n === null ? "—" : integer.format(n));
export const rate = (n) => (n === undefined || n === null || Number.isNaN(n) ? "—" : n < 10 && n > 0 ? decimal.format(n) : integer.format(n));

export function bytes(n) {
  if (n === undefined || n === null) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : decimal.format(n)} ${units[i]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** "PT1H30M" → "1 h 30 min"; the unlimited TTL → "unlimited". */
export function duration(iso, seconds) {
  if (iso === null || iso === undefined) return "—";
  if (seconds !== undefined && seconds > 9e11) return "unlimited";
  if (seconds === undefined) return iso;
  const parts = [];
  let s = seconds;
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
    if (s >= size) { parts.push(`${Math.floor(s / size)} ${unit}`); s %= size; }
  }
  if (s > 0 || parts.length === 0) parts.push(`${decimal.format(s)} s`);
  return `${parts.join(" ")} (${iso})`;
}

/** The entity's display name: "orders", or "events › audit" for a subscription. */
export const displayName = (e) => (e.type === "subscription" ? `${e.topic} › ${e.name.slice(e.topic.length + "/Subscriptions/".length)}` : e.name);

export const entityHref = (name, page = "") => `#/e/${encodeURIComponent(name)}${page ? "/" + page : ""}`;

/** Writes a hex dump: offset, 16 bytes, ASCII. */
export function hexDump(u8, limit = 64 * 1024) {
  const lines = [];
  const n = Math.min(u8.length, limit);
  for (let i = 0; i < n; i += 16) {
    const row = u8.subarray(i, Math.min(i + 16, n));
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(row, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (u8.length > n) lines.push(`… ${u8.length - n} more bytes`);
  return lines.join("\n");
}

export function base64ToBytes(b64) {
  const bin = atob(b64);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return u8;
}

/** Shows a short message in the polite live region; errors stay longer. */
export function toast(message, kind = "ok") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: ["toast", kind] }, message);
  box.append(item);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 4000);
}

/** A modal confirmation (native dialog: focus trapped, Escape cancels). Resolves true when confirmed. */
export function confirmDialog(title, text, confirmLabel) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = confirmLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => { opener?.focus?.(); resolve(dialog.returnValue === "ok"); }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

/** Shows an API error in a region (role=alert). */
export function errorBox(err) {
  const p = err.problem ?? {};
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, p.title || "Error"), " ", err.message,
    p.property ? h("div", { class: "small" }, `Field: ${p.property}${p.allowed ? ` — allowed: ${p.allowed}` : ""}`) : null);
}

/** The breadcrumb trail after "Overview": [{ label, href }], the last one is the current page. */
export function setCrumbs(items) {
  clear(document.getElementById("crumbs")).append(h("ol", {}, [{ label: "Overview", href: "#/" }, ...items].map((c, i, all) =>
    h("li", {}, i === all.length - 1 ? h("span", { "aria-current": "page" }, c.label) : h("a", { href: c.href }, c.label)))));
}

/** Crumbs for an entity's pages: a subscription sits under its topic. */
export function entityCrumbs(e, name, page) {
  const items = [];
  if (e?.type === "subscription") items.push({ label: e.topic, href: entityHref(e.topic) });
  const label = e ? (e.type === "subscription" ? name.slice(e.topic.length + "/Subscriptions/".length) : e.name) : name;
  items.push({ label, href: entityHref(name) });
  if (page) items.push({ label: page });
  setCrumbs(items);
}
