// A subscription's rules: the list, and add, edit (remove + add on the server) and remove. SQL is checked by the
// server's parser; its error is shown under the expression with a caret at the reported position.
import { h, clear, fill, errorBox, toast, confirmDialog } from "./dom.js";
import { api } from "./api.js";

const CORRELATION = [
  ["correlationId", "Correlation id"], ["messageId", "Message id"], ["to", "To"], ["replyTo", "Reply to"], ["subject", "Subject (label)"],
  ["sessionId", "Session id"], ["replyToSessionId", "Reply-to session id"], ["contentType", "Content type"],
];

const rulesPath = (topic, subscription, rule) =>
  `/api/dashboard/entities/${encodeURIComponent(topic)}/Subscriptions/${encodeURIComponent(subscription)}/rules${rule === undefined ? "" : "/" + encodeURIComponent(rule)}`;

/** "correlation: subject = x, properties = {…}" for a correlation filter; the expression otherwise. */
export function filterText(filter) {
  if (filter.type !== "correlation") return filter.expression;
  return "correlation: " + Object.entries(filter).filter(([k, v]) => k !== "type" && v !== null && !(k === "properties" && Object.keys(v).length === 0))
    .map(([k, v]) => `${k} = ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
}

/**
 * The rules card of a subscription page. setEditing(true) while the form is open (the page then leaves the card
 * alone); changed() after a rule was added, edited or removed. reload() refetches the list, keeping focus.
 */
export function rulesSection(e, { setEditing, changed }) {
  const subscription = e.name.slice(e.topic.length + "/Subscriptions/".length);
  const list = h("tbody", {}, h("tr", {}, h("td", { colspan: 4, class: "muted" }, "Loading…")));
  const formArea = h("div");
  const addButton = h("button", { type: "button", class: "primary", onclick: () => openForm(null) }, "Add a rule");
  const element = h("section", { class: "card rules-card", "aria-labelledby": "rules-title" },
    h("div", { class: "section-head" }, h("h2", { id: "rules-title" }, "Rules"), addButton),
    h("p", {}, "Topic: ", h("a", { href: `#/e/${encodeURIComponent(e.topic)}` }, e.topic)),
    h("div", { class: "table-wrap" }, h("table", { class: "rules" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Rule"), h("th", { scope: "col" }, "Filter"), h("th", { scope: "col" }, "Action"),
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))), list)),
    formArea);
  let rules = [];
  let loads = 0;
  let applied = 0;

  async function reload(focus) {
    const mine = ++loads;
    const active = document.activeElement;
    const keep = focus ?? (list.contains(active) && active.dataset.rule !== undefined ? { rule: active.dataset.rule, act: active.dataset.act } : null);
    try {
      const r = await api(`/api/dashboard/entities/${encodeURIComponent(e.name)}/rules`);
      if (mine < applied) return; // an answer to a later request is already shown
      applied = mine;
      rules = r.rules;
      fill(list, rules.length === 0
        ? h("tr", {}, h("td", { colspan: 4, class: "muted" }, "No rules: this subscription selects no messages."))
        : rules.map((rule) => h("tr", { dataset: { rule: rule.name } },
          h("th", { scope: "row" }, rule.name),
          h("td", {}, h("code", {}, filterText(rule.filter))),
          h("td", {}, rule.action ? h("code", {}, rule.action) : h("span", { class: "muted" }, "none")),
          h("td", { class: "row-actions" },
            h("button", { type: "button", "aria-label": `Edit rule ${rule.name}`, dataset: { rule: rule.name, act: "edit" }, onclick: () => openForm(rule) }, "Edit"),
            h("button", { type: "button", class: "danger", "aria-label": `Remove rule ${rule.name}`, dataset: { rule: rule.name, act: "remove" },
              onclick: () => remove(rule) }, "Remove")))));
      if (keep) {
        const target = [...list.querySelectorAll("button")].find((b) => b.dataset.rule.toLowerCase() === keep.rule.toLowerCase() && b.dataset.act === keep.act);
        (target ?? addButton).focus();
      }
    } catch (err) {
      if (mine >= applied) fill(list, h("tr", {}, h("td", { colspan: 4 }, errorBox(err))));
    }
  }

  async function remove(rule) {
    const ok = await confirmDialog(`Remove the rule “${rule.name}”?`,
      `Messages sent to ${e.topic} from now on are no longer selected by this rule. This can't be undone.`, "Remove rule");
    if (!ok) return;
    try {
      await api(rulesPath(e.topic, subscription, rule.name), { method: "DELETE" });
      toast(`Removed the rule ${rule.name}.`);
      addButton.focus();
      await reload({ rule: "", act: "" });
      changed();
    } catch (err) {
      toast(`Could not remove ${rule.name}: ${err.message}`, "error");
    }
  }

  function openForm(rule) {
    const opener = document.activeElement;
    setEditing(true);
    addButton.hidden = true;
    const correlation = rule?.filter.type === "correlation";
    const name = h("input", { id: "rule-name", type: "text", required: true, maxlength: 50, value: rule?.name ?? "", spellcheck: "false", autocomplete: "off" });
    const sql = h("textarea", { id: "rule-sql", rows: 3, spellcheck: "false", class: "mono", "aria-describedby": "rule-sql-hint",
      value: correlation ? "" : rule?.filter.expression ?? "" });
    const sqlError = h("div", { id: "rule-sql-error" });
    const action = h("textarea", { id: "rule-action", rows: 2, spellcheck: "false", class: "mono", "aria-describedby": "rule-action-hint", value: rule?.action ?? "" });
    const actionError = h("div", { id: "rule-action-error" });
    const inputs = Object.fromEntries(CORRELATION.map(([k]) => [k, h("input", { id: `rule-c-${k}`, type: "text", spellcheck: "false",
      value: correlation ? rule.filter[k] ?? "" : "" })]));
    const props = h("textarea", { id: "rule-c-properties", rows: 2, spellcheck: "false", class: "mono", "aria-describedby": "rule-c-properties-hint",
      value: correlation && Object.keys(rule.filter.properties ?? {}).length > 0 ? JSON.stringify(rule.filter.properties) : "" });
    const kindSql = h("input", { type: "radio", name: "rule-kind", value: "sql", checked: !correlation, onchange: () => showKind() });
    const kindCorrelation = h("input", { type: "radio", name: "rule-kind", value: "correlation", checked: correlation, onchange: () => showKind() });
    const sqlPart = h("div", { class: "field" }, h("label", { for: "rule-sql" }, "SQL filter"), sql,
      h("span", { id: "rule-sql-hint", class: "small muted" }, "For example: amount > 100 AND sys.label = 'order'"), sqlError);
    const correlationPart = h("fieldset", { class: "correlation" }, h("legend", {}, "Correlation filter: every field set must match"),
      h("div", { class: "fields" }, CORRELATION.map(([k, label]) => h("div", { class: "field" }, h("label", { for: `rule-c-${k}` }, label), inputs[k])),
        h("div", { class: "field" }, h("label", { for: "rule-c-properties" }, "Application properties"), props,
          h("span", { id: "rule-c-properties-hint", class: "small muted" }, 'A JSON object, e.g. {"region": "eu", "priority": 1}'))));
    const status = h("div", { "aria-live": "polite" });
    const showKind = () => {
      sqlPart.hidden = kindCorrelation.checked;
      correlationPart.hidden = !kindCorrelation.checked;
    };
    showKind();
    const clearSqlError = (input, slot) => { input.removeAttribute("aria-invalid"); input.setAttribute("aria-describedby", `${input.id}-hint`); clear(slot); };
    sql.addEventListener("input", () => clearSqlError(sql, sqlError));
    action.addEventListener("input", () => clearSqlError(action, actionError));
    name.addEventListener("input", () => name.removeAttribute("aria-invalid"));

    const close = (focus) => {
      clear(formArea);
      addButton.hidden = false;
      setEditing(false);
      (focus ?? (opener?.isConnected ? opener : addButton)).focus();
    };

    const form = h("form", { class: "rule-form", "aria-labelledby": "rule-form-title", onkeydown: (ev) => { if (ev.key === "Escape") { ev.preventDefault(); close(); } },
      onsubmit: async (ev) => {
        ev.preventDefault();
        clear(status);
        const body = { name: name.value.trim() };
        if (kindCorrelation.checked) {
          const c = {};
          for (const [k] of CORRELATION) if (inputs[k].value.trim() !== "") c[k] = inputs[k].value.trim();
          if (props.value.trim() !== "") {
            let parsed;
            try { parsed = JSON.parse(props.value); } catch { parsed = null; }
            if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
              props.setAttribute("aria-invalid", "true");
              fill(status, h("div", { class: "error", role: "alert" }, "Application properties must be a JSON object."));
              props.focus();
              return;
            }
            props.removeAttribute("aria-invalid");
            c.properties = parsed;
          }
          body.filter = { correlation: c };
        } else {
          body.filter = { sql: sql.value };
        }
        if (action.value.trim() !== "") body.action = { sql: action.value };
        try {
          if (rule) await api(rulesPath(e.topic, subscription, rule.name), { method: "PUT", body });
          else await api(rulesPath(e.topic, subscription), { method: "POST", body });
          toast(rule ? `Saved the rule ${body.name}.` : `Added the rule ${body.name}.`);
          close(addButton);
          await reload({ rule: body.name, act: "edit" });
          changed();
        } catch (err) {
          const p = err.problem ?? {};
          if (err.status === 400 && (p.field === "filter" || p.field === "action") && Number.isInteger(p.position)) {
            const [input, slot] = p.field === "filter" ? [sql, sqlError] : [action, actionError];
            showSqlError(input, slot, p);
          } else {
            fill(status, errorBox(err));
            if (err.status === 409 || p.property === "name") { name.setAttribute("aria-invalid", "true"); name.focus(); }
          }
        }
      } },
    h("h3", { id: "rule-form-title" }, rule ? `Edit the rule ${rule.name}` : "Add a rule"),
    rule ? h("p", { class: "small muted" }, "Saving replaces the rule; if the new version is rejected, the old one stays.") : null,
    h("div", { class: "field rule-name" }, h("label", { for: "rule-name" }, "Name"), name),
    h("fieldset", { class: "segmented", "aria-label": "Filter type" },
      h("label", { class: "seg" }, kindSql, "SQL filter"), h("label", { class: "seg" }, kindCorrelation, "Correlation filter")),
    sqlPart, correlationPart,
    h("div", { class: "field" }, h("label", { for: "rule-action" }, "SQL action (optional)"), action,
      h("span", { id: "rule-action-hint", class: "small muted" }, "For example: SET sys.label = 'big'; REMOVE temp"), actionError),
    status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, rule ? "Save rule" : "Add rule"),
      h("button", { type: "button", onclick: () => close() }, "Cancel")));
    fill(formArea, form);
    name.focus();
  }

  reload();
  return { element, reload: () => reload() };
}

/** The parser's message under the expression, the line it is on, and a caret under the reported column. */
function showSqlError(input, slot, problem) {
  const lines = input.value.split("\n");
  const line = (lines[problem.line - 1] ?? "").replaceAll("\t", " ");
  const column = Math.max(0, Math.min(problem.column - 1, line.length));
  const errorId = `${input.id}-error-text`;
  fill(slot, h("div", { class: "error sql-error", role: "alert" },
    h("div", { id: errorId }, h("strong", {}, "Invalid SQL"), " ", problem.detail),
    h("pre", { class: "sql-caret", "aria-hidden": "true" },
      line.slice(0, column), h("mark", {}, line[column] ?? " "), line.slice(column + 1), "\n",
      " ".repeat(column), h("span", { class: "caret" }, "^"))));
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", `${errorId} ${input.id}-hint`);
  input.focus();
  const at = Math.min(problem.position, input.value.length);
  input.setSelectionRange(at, Math.min(at + 1, input.value.length));
}
