// Entity page: counts, a live chart, settings (editable for queues, with Azure's allowed ranges), subscriptions, rules.
import { h, clear, fill, num, rate, bytes, when, duration, displayName, entityHref, entityCrumbs, errorBox, toast } from "./dom.js";
import { state, subscribe, refresh, subscriptionKey } from "./live.js";
import { lineChart, legend } from "./chart.js";
import { updateSettings } from "./api.js";
import { problemOf } from "./overview.js";
import { rulesSection } from "./rules.js";

const RATES = [
  { key: "in", label: "In", className: "s-in" },
  { key: "out", label: "Out", className: "s-out" },
];
const COUNTS = [
  { key: "active", label: "Active", className: "s-in" },
  { key: "deadLetter", label: "Dead-letter", className: "s-bad" },
];

/** Queue settings as PUT /api/queues/{name} takes them; allowed ranges from docs/admin-api.md. */
const EDITABLE = {
  LockDuration: { kind: "duration", allowed: "PT5S to PT5M" },
  MaxDeliveryCount: { kind: "number", min: 1, allowed: "1 or more" },
  DefaultMessageTimeToLive: { kind: "duration", allowed: "more than 0" },
  DeadLetteringOnMessageExpiration: { kind: "bool" },
  DuplicateDetectionHistoryTimeWindow: { kind: "duration", allowed: "PT20S to P7D" },
  MaxSizeInMegabytes: { kind: "number", min: 1, max: 81920, allowed: "1 to 81920" },
  MaxMessageSizeInKilobytes: { kind: "number", min: 1, max: 102400, allowed: "1 to 102400" },
  ForwardTo: { kind: "text", allowed: "an existing queue or topic, or empty" },
  ForwardDeadLetteredMessagesTo: { kind: "text", allowed: "an existing queue or topic, or empty" },
  Status: { kind: "select", options: ["Active", "Disabled", "SendDisabled", "ReceiveDisabled"] },
  UserMetadata: { kind: "text", max: 1024, allowed: "up to 1024 characters" },
};

/** What Azure lets a subscription change (the size and duplicate-detection settings belong to its topic). */
const SUBSCRIPTION_EDITABLE = new Set(["LockDuration", "MaxDeliveryCount", "DefaultMessageTimeToLive", "DeadLetteringOnMessageExpiration",
  "ForwardTo", "ForwardDeadLetteredMessagesTo", "Status", "UserMetadata"]);

export function entityPage(main, { name }) {
  const head = h("div", { class: "page-head" });
  const live = h("div", { class: "entity-live" });
  const settings = h("section", { class: "card", "aria-labelledby": "settings-title" });
  const related = h("div");
  const error = h("div");
  main.append(head, error, live, settings, related);
  let shownSettings = null;
  let editing = false;
  let headKey = null;
  let rules = null;

  function render(s) {
    const e = s.byName.get(name.toLowerCase());
    clear(error);
    if (s.error) error.append(errorBox(s.error));
    if (!e) {
      if (s.updatedAt) {
        entityCrumbs(null, name);
        fill(head, h("h1", {}, name));
        fill(live, h("p", { class: "error", role: "alert" }, `There is no queue, topic or subscription named “${name}”. `, h("a", { href: "#/" }, "Back to the overview")));
        headKey = null;
      }
      return;
    }
    const key = `${e.type}|${e.status}|${e.counts?.deadLetter ?? ""}|${problemOf(e)}`;
    if (key !== headKey) {
      headKey = key;
      entityCrumbs(e, e.name);
      const problem = problemOf(e);
      fill(head, 
        h("h1", {}, displayName(e), " ", h("span", { class: ["badge", `b-${e.type}`] }, e.type)),
        h("p", { class: "status-line" }, h("span", { class: ["status", e.status === "Active" ? "ok" : "off"] }, e.status),
          problem ? h("span", { class: "warn-badge" }, "⚠ ", problem) : null),
        actions(e));
    }
    const samples = s.history.get(e.name.toLowerCase()) ?? [];
    const c = e.counts;
    // A topic counts what it accepts (in); a subscription what it delivers (out): its fan-out is not counted.
    const rates = e.type === "topic" ? RATES.slice(0, 1) : e.type === "subscription" ? RATES.slice(1) : RATES;
    fill(live, 
      c ? h("dl", { class: "stats" },
        stat("Active", c.active), stat("Dead-letter", c.deadLetter, c.deadLetter > 0 ? "warn" : null), stat("Scheduled", c.scheduled),
        stat("Deferred", c.deferred), stat("Transfer", c.transfer), stat("Total", c.total),
        h("div", { class: "stat" }, h("dt", {}, "Size"), h("dd", {}, bytes(e.sizeInBytes))),
        stat("Receivers", e.receivers ?? 0), stat("Senders", e.senders ?? 0))
        : h("p", { class: "muted" }, `A topic keeps no messages itself: its ${e.subscriptions.length} subscription(s) do.`),
      h("div", { class: "charts" },
        h("figure", { class: "card chart-card" },
          h("figcaption", {}, h("span", {}, "Messages per second"), legend(samples, rates)),
          lineChart(samples, rates, { label: "Messages per second, last 2 minutes" })),
        h("figure", { class: "card chart-card" },
          h("figcaption", {}, h("span", {}, e.type === "topic" ? "Messages in its subscriptions" : "Messages"), legend(samples, COUNTS, "")),
          lineChart(samples, COUNTS, { unit: "", label: "Active and dead-letter messages, last 2 minutes" }))));

    const settingsKey = JSON.stringify([e.properties, e.rules, e.subscriptions, e.updatedAt]);
    if (!editing && settingsKey !== shownSettings) {
      shownSettings = settingsKey;
      renderSettings(e);
      renderRelated(e, s);
    }
  }

  function renderSettings(e) {
    const rows = Object.entries(e.properties).map(([k, v]) => h("tr", {},
      h("th", { scope: "row" }, k),
      h("td", {}, typeof v === "string" && e.durationsInSeconds?.[k] !== undefined ? duration(v, e.durationsInSeconds[k]) : v === null || v === "" ? "—" : String(v))));
    rows.push(h("tr", {}, h("th", { scope: "row" }, "Origin"), h("td", {}, e.origin ?? "—")));
    rows.push(h("tr", {}, h("th", { scope: "row" }, "Created"), h("td", {}, when(e.createdAt))));
    rows.push(h("tr", {}, h("th", { scope: "row" }, "Updated"), h("td", {}, when(e.updatedAt))));
    if (e.accessedAt !== undefined) rows.push(h("tr", {}, h("th", { scope: "row" }, "Accessed"), h("td", {}, when(e.accessedAt))));
    fill(settings, 
      h("div", { class: "section-head" }, h("h2", { id: "settings-title" }, "Settings"),
        e.type !== "topic" ? h("button", { type: "button", onclick: () => editSettings(e) }, "Edit settings") : null),
      h("table", { class: "kv" }, h("tbody", {}, rows)));
  }

  function editSettings(e) {
    editing = true;
    const inputs = {};
    const status = h("div", { "aria-live": "polite" });
    const fields = Object.entries(EDITABLE).filter(([k]) => e.type !== "subscription" || SUBSCRIPTION_EDITABLE.has(k)).map(([k, spec]) => {
      const id = `set-${k}`;
      const value = e.properties[k];
      let input;
      if (spec.kind === "bool") input = h("input", { id, type: "checkbox", checked: !!value });
      else if (spec.kind === "select") input = h("select", { id }, spec.options.map((o) => h("option", { value: o, selected: o === value }, o)));
      else input = h("input", { id, type: spec.kind === "number" ? "number" : "text", value: value ?? "", min: spec.min, max: spec.kind === "number" ? spec.max : undefined,
        maxlength: spec.kind === "text" ? spec.max : undefined, "aria-describedby": spec.allowed ? `${id}-allowed` : undefined, spellcheck: "false" });
      inputs[k] = { input, spec };
      return h("div", { class: "field" }, h("label", { for: id }, k), input,
        spec.allowed ? h("span", { id: `${id}-allowed`, class: "small muted" }, `Allowed: ${spec.allowed}`) : null);
    });
    const form = h("form", { class: "settings-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const properties = {};
      for (const [k, { input, spec }] of Object.entries(inputs)) {
        const v = spec.kind === "bool" ? input.checked : spec.kind === "number" ? Number(input.value) : input.value.trim() === "" && spec.kind === "text" ? null : input.value.trim();
        if (JSON.stringify(v) !== JSON.stringify(e.properties[k] === "" ? null : e.properties[k])) properties[k] = v;
      }
      if (Object.keys(properties).length === 0) { cancel(); return; }
      try {
        await updateSettings(e, properties);
        toast(`Saved ${Object.keys(properties).join(", ")}.`);
        editing = false;
        shownSettings = null;
        await refresh();
      } catch (err) {
        fill(status, errorBox(err));
        const bad = err.problem?.property && inputs[Object.keys(inputs).find((k) => k.toLowerCase() === err.problem.property.toLowerCase())];
        if (bad) { bad.input.setAttribute("aria-invalid", "true"); bad.input.focus(); }
      }
    } },
    h("p", { class: "small muted" }, e.type === "subscription"
      ? "RequiresSession cannot change: delete and re-create the subscription. Size and duplicate detection belong to the topic."
      : "RequiresSession and RequiresDuplicateDetection cannot change: delete and re-create the queue."),
    h("div", { class: "fields" }, fields),
    status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save"), h("button", { type: "button", onclick: () => cancel() }, "Cancel")));
    const cancel = () => { editing = false; shownSettings = null; render(state); settings.querySelector("button")?.focus(); };
    fill(settings, h("div", { class: "section-head" }, h("h2", { id: "settings-title" }, "Edit settings")), form);
    inputs.LockDuration.input.focus();
  }

  function renderRelated(e, s) {
    if (e.type !== "subscription") clear(related);
    if (e.type === "topic") {
      const subs = e.subscriptions.map((sub) => s.byName.get(subscriptionKey(e.name, sub))).filter(Boolean);
      related.append(h("section", { class: "card" }, h("h2", {}, "Subscriptions"),
        subs.length === 0 ? h("p", { class: "muted" }, "No subscriptions: messages sent to this topic are dropped.") :
          h("table", { class: "entities" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Subscription"), h("th", { scope: "col" }, "Rules"),
            h("th", { scope: "col", class: "n" }, "Active"), h("th", { scope: "col", class: "n" }, "Dead-letter"))),
          h("tbody", {}, subs.map((sub) => h("tr", {},
            h("th", { scope: "row" }, h("a", { href: entityHref(sub.name) }, sub.name.slice(e.name.length + "/Subscriptions/".length))),
            h("td", {}, (sub.rules ?? []).join(", ")), h("td", { class: "n" }, num(sub.counts.active)), h("td", { class: "n" }, num(sub.counts.deadLetter))))))));
    } else if (e.type === "subscription") {
      // One rules card per page, kept across refreshes so its focus and open form survive; its list is refetched.
      if (!rules) {
        rules = rulesSection(e, {
          setEditing: (on) => { editing = on; },
          changed: () => { shownSettings = null; refresh(); },
        });
      } else {
        rules.reload();
      }
      if (rules.element.parentNode !== related) fill(related, rules.element);
    }
  }

  return subscribe(render);
}

function stat(label, value, cls) {
  return h("div", { class: ["stat", cls] }, h("dt", {}, label), h("dd", {}, num(value)));
}

/** Links to the entity's message pages. */
export function actions(e, current) {
  const links = [];
  if (e.type !== "topic") {
    links.push(["messages", "Browse messages", e.counts?.active + e.counts?.scheduled + e.counts?.deferred]);
    links.push(["deadletter", "Dead letters", e.counts?.deadLetter]);
  }
  if (e.type !== "subscription") links.push(["send", "Send a test message"]);
  return h("nav", { class: "actions tabs", "aria-label": "Entity pages" },
    current ? h("a", { href: entityHref(e.name), class: "tab" }, "Details") : null,
    links.map(([page, label, count]) => h("a", { href: entityHref(e.name, page), class: ["tab", page === current && "current"],
      "aria-current": page === current ? "page" : undefined },
    label, count !== undefined && !Number.isNaN(count) ? h("span", { class: ["count", page === "deadletter" && count > 0 && "bad"] }, num(count)) : null)));
}
