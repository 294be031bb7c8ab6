// Overview: every queue, topic and subscription with counts, rates and status; problems first; filter by name.
import { h, clear, fill, num, rate, displayName, entityHref, errorBox, setCrumbs } from "./dom.js";
import { state, subscribe } from "./live.js";
import { lineChart, legend } from "./chart.js";

const RATE_SERIES = [
  { key: "in", label: "In", className: "s-in" },
  { key: "out", label: "Out", className: "s-out" },
];

let filterText = sessionStorage.getItem("ferry.filter") ?? "";
let problemsFirst = sessionStorage.getItem("ferry.problemsFirst") !== "false";

/** Why an entity needs attention, or null. */
export function problemOf(e) {
  const reasons = [];
  if (e.deadLetterGrowing) reasons.push("dead letters growing");
  else if (e.counts?.deadLetter > 0) reasons.push("dead letters");
  if (e.type !== "topic" && e.counts?.active > 0 && e.receivers === 0) reasons.push("no receivers");
  if (e.status && e.status !== "Active") reasons.push(e.status === "Disabled" ? "disabled" : e.status.replace(/Disabled$/, " disabled").toLowerCase());
  return reasons.length ? reasons.join(", ") : null;
}

export function overview(main) {
  setCrumbs([]);
  const filter = h("input", { id: "filter", type: "search", value: filterText, placeholder: "Filter by name  ( / )", "aria-controls": "entities",
    autocomplete: "off", spellcheck: "false" });
  const problems = h("input", { id: "problems-first", type: "checkbox", checked: problemsFirst });
  const summary = h("div", { class: "summary" });
  const chartBox = h("figure", { class: "card chart-card" });
  const tbody = h("tbody");
  const empty = h("p", { class: "muted", hidden: true });
  const error = h("div");
  const caption = h("caption", { class: "sr-only" }, "Queues, topics and subscriptions");
  const table = h("table", { id: "entities", class: "entities" }, caption,
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "Name"), h("th", { scope: "col", class: "c-type" }, "Type"), h("th", { scope: "col" }, "Status"),
      h("th", { scope: "col", class: "n" }, "Active"), h("th", { scope: "col", class: "n" }, "Dead-letter"), h("th", { scope: "col", class: "n" }, "Scheduled"),
      h("th", { scope: "col", class: "n c-rate", title: "Messages sent per second" }, "In/s"),
      h("th", { scope: "col", class: "n c-rate", title: "Deliveries to receivers per second" }, "Out/s"))),
    tbody);

  main.append(
    h("div", { class: "page-head" }, h("h1", {}, "Overview"), summary),
    h("div", { class: "overview-top" }, chartBox),
    error,
    h("div", { class: "toolbar" },
      h("label", { for: "filter", class: "sr-only" }, "Filter by name"), filter,
      h("label", { class: "check" }, problems, " Problems first")),
    h("div", { class: "table-wrap" }, table),
    empty);

  const rows = new Map(); // name → { tr, cells }

  function render(s) {
    clear(error);
    if (s.error) error.append(errorBox(s.error));
    const all = s.entities;
    const counts = { queue: 0, topic: 0, subscription: 0 };
    let active = 0, dead = 0, scheduled = 0;
    for (const e of all) {
      counts[e.type]++;
      if (e.counts) { active += e.counts.active; dead += e.counts.deadLetter; scheduled += e.counts.scheduled; }
    }
    fill(summary, h("dl", { class: "stats" },
      stat("Queues", counts.queue), stat("Topics", counts.topic), stat("Subscriptions", counts.subscription),
      stat("Active", active), stat("Dead-letter", dead, dead > 0 ? "warn" : null), stat("Scheduled", scheduled)));

    const samples = s.history.get("*") ?? [];
    fill(chartBox, 
      h("figcaption", {}, h("span", {}, "Messages per second, all entities"), legend(samples, RATE_SERIES)),
      lineChart(samples, RATE_SERIES, { width: 480, height: 64, label: "Messages per second, last 2 minutes" }));

    const text = filterText.trim().toLowerCase();
    let shown = all.filter((e) => !text || e.name.toLowerCase().includes(text) || displayName(e).toLowerCase().includes(text));
    if (problemsFirst) {
      // Stable: problems (by dead-letter count, largest first) before the rest, each group in the API's order.
      const bad = shown.filter(problemOf).sort((a, b) => (b.counts?.deadLetter ?? 0) - (a.counts?.deadLetter ?? 0));
      shown = [...bad, ...shown.filter((e) => !problemOf(e))];
    }
    const wanted = new Set(shown.map((e) => e.name));
    for (const [name, row] of rows) if (!wanted.has(name)) { row.tr.remove(); rows.delete(name); }
    let previous = null;
    for (const e of shown) {
      let row = rows.get(e.name);
      if (!row) rows.set(e.name, (row = makeRow(e)));
      updateRow(row, e);
      const expected = previous ? previous.nextSibling : tbody.firstChild;
      if (expected !== row.tr) tbody.insertBefore(row.tr, expected);
      previous = row.tr;
    }
    empty.hidden = shown.length > 0 || !s.updatedAt;
    empty.textContent = all.length === 0 ? "No entities yet: create a queue through the admin API, an SDK or Config.json." : `Nothing matches “${filterText}”.`;
  }

  filter.addEventListener("input", () => { filterText = filter.value; sessionStorage.setItem("ferry.filter", filterText); render(state); });
  problems.addEventListener("change", () => { problemsFirst = problems.checked; sessionStorage.setItem("ferry.problemsFirst", String(problemsFirst)); render(state); });
  return subscribe(render);
}

function stat(label, value, cls) {
  return h("div", { class: ["stat", cls] }, h("dt", {}, label), h("dd", {}, num(value)));
}

function makeRow(e) {
  const link = h("a", { href: entityHref(e.name) });
  const cells = {
    name: h("th", { scope: "row", class: ["name", `t-${e.type}`] }, link),
    type: h("td", { class: "c-type" }, h("span", { class: ["badge", `b-${e.type}`] }, e.type)),
    status: h("td"),
    active: h("td", { class: "n" }), deadLetter: h("td", { class: "n" }), scheduled: h("td", { class: "n" }),
    in: h("td", { class: "n c-rate" }), out: h("td", { class: "n c-rate" }),
  };
  const tr = h("tr", { dataset: { name: e.name } }, Object.values(cells));
  return { tr, cells, link };
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function updateRow({ tr, cells, link }, e) {
  setText(link, displayName(e));
  const problem = problemOf(e);
  tr.classList.toggle("problem", !!problem);
  fill(cells.status, 
    h("span", { class: ["status", e.status === "Active" ? "ok" : "off"] }, e.status),
    problem ? h("span", { class: "warn-badge", title: problem }, "⚠ ", problem) : null);
  const c = e.counts ?? e.subscriptionCounts;
  const dim = !e.counts;
  for (const key of ["active", "deadLetter", "scheduled"]) {
    setText(cells[key], c ? num(c[key]) : "—");
    cells[key].classList.toggle("dim", dim);
    if (dim) cells[key].title = "Sum over the topic's subscriptions";
  }
  cells.deadLetter.classList.toggle("bad", (e.counts?.deadLetter ?? 0) > 0);
  setText(cells.in, e.rate ? rate(e.rate.in) : "—");
  setText(cells.out, e.rate?.out !== undefined && e.rate?.out !== null ? rate(e.rate.out) : "—");
}
