// Send a test message: body, content type, ids, subject, application properties, session id, scheduled time, TTL.
import { h, clear, displayName, entityCrumbs, entityHref, errorBox, toast } from "./dom.js";
import { subscribe, refresh } from "./live.js";
import { send } from "./api.js";
import { actions } from "./entity.js";

export function sendPage(main, { name }) {
  const head = h("div", { class: "page-head" });
  main.append(head);
  let built = false;
  return subscribe((s) => {
    const e = s.byName.get(name.toLowerCase());
    if (built || !s.updatedAt) return;
    built = true;
    entityCrumbs(e, e?.name ?? name, "Send");
    if (!e || e.type === "subscription") {
      head.append(h("h1", {}, name), h("p", { class: "error", role: "alert" }, e ? "Messages are sent to the subscription's topic." : `There is no queue or topic named “${name}”.`));
      return;
    }
    head.append(h("h1", {}, displayName(e), h("span", { class: "muted" }, " — send a test message")), actions(e, "send"));
    main.append(form(e));
  });
}

function field(id, label, input, help) {
  input.id = id;
  if (help) input.setAttribute("aria-describedby", `${id}-help`);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, help ? h("span", { id: `${id}-help`, class: "small muted" }, help) : null);
}

function form(e) {
  const requiresSession = !!e.properties?.RequiresSession;
  const body = h("textarea", { rows: 8, spellcheck: "false", class: "mono" }, '{\n  "hello": "world"\n}');
  const contentType = h("input", { type: "text", value: "application/json", list: "content-types", spellcheck: "false" });
  const messageId = h("input", { type: "text", placeholder: "a new GUID", spellcheck: "false" });
  const correlationId = h("input", { type: "text", spellcheck: "false" });
  const subject = h("input", { type: "text", spellcheck: "false" });
  const sessionId = h("input", { type: "text", required: requiresSession, spellcheck: "false" });
  const scheduled = h("input", { type: "datetime-local", step: 1 });
  const ttl = h("input", { type: "text", placeholder: "the entity's default", spellcheck: "false" });
  const props = h("tbody");
  const result = h("div", { "aria-live": "polite" });
  const fields = { body, contentType, messageId, correlationId, subject, sessionId, scheduledEnqueueTime: scheduled, timeToLive: ttl };

  const addProperty = (key = "", value = "", type = "string") => {
    const n = props.children.length + 1;
    const k = h("input", { type: "text", value: key, "aria-label": `Property ${n} name`, spellcheck: "false" });
    const t = h("select", { "aria-label": `Property ${n} type` }, ["string", "number", "boolean"].map((o) => h("option", { value: o, selected: o === type }, o)));
    const v = h("input", { type: "text", value, "aria-label": `Property ${n} value`, spellcheck: "false" });
    const row = h("tr", {}, h("td", {}, k), h("td", {}, t), h("td", {}, v),
      h("td", {}, h("button", { type: "button", class: "small-btn", "aria-label": `Remove property ${n}`, onclick: () => { row.remove(); addButton.focus(); } }, "Remove")));
    props.append(row);
    return k;
  };
  const addButton = h("button", { type: "button", onclick: () => addProperty().focus() }, "Add property");

  const submit = async (ev) => {
    ev.preventDefault();
    clear(result);
    for (const input of Object.values(fields)) input.removeAttribute("aria-invalid");
    const ct = contentType.value.trim();
    const message = {};
    if (ct) message.contentType = ct;
    if (ct === "" || /json/i.test(ct)) {
      try {
        message.body = JSON.parse(body.value);
      } catch (err) {
        return fail({ message: `The body is not valid JSON (${err.message}). Use a text content type such as text/plain to send it as text.`, problem: { title: "Invalid body", property: "body" } });
      }
    } else {
      message.body = body.value;
    }
    for (const [key, input] of [["messageId", messageId], ["correlationId", correlationId], ["subject", subject], ["sessionId", sessionId], ["timeToLive", ttl]]) {
      if (input.value.trim()) message[key] = input.value.trim();
    }
    if (scheduled.value) message.scheduledEnqueueTime = new Date(scheduled.value).toISOString();
    const application = {};
    for (const row of props.children) {
      const [k, t, v] = row.querySelectorAll("input, select");
      if (!k.value.trim()) continue;
      if (t.value === "number") {
        if (v.value.trim() === "" || Number.isNaN(Number(v.value))) return fail({ message: `Property ${k.value}: “${v.value}” is not a number.`, problem: { title: "Invalid property" } }, v);
        application[k.value.trim()] = Number(v.value);
      } else if (t.value === "boolean") {
        if (!/^(true|false)$/i.test(v.value.trim())) return fail({ message: `Property ${k.value}: write true or false.`, problem: { title: "Invalid property" } }, v);
        application[k.value.trim()] = /^true$/i.test(v.value.trim());
      } else application[k.value.trim()] = v.value;
    }
    if (Object.keys(application).length) message.applicationProperties = application;
    try {
      const r = await send(e, message);
      const where = e.type === "queue" ? h("a", { href: entityHref(e.name, "messages") }, "Browse the queue's messages") : null;
      result.append(h("p", { class: "ok-box" }, r.duplicate ? `Dropped as a duplicate of message id ${r.messageId}.` :
        `Sent: sequence number ${r.sequenceNumber}, message id ${r.messageId}${message.scheduledEnqueueTime ? ", scheduled" : ""}. `, where));
      toast(r.duplicate ? "Duplicate dropped." : `Sent message ${r.sequenceNumber}.`);
      refresh();
    } catch (err) {
      fail(err);
    }
  };

  function fail(err, input) {
    const target = input ?? fields[err.problem?.property] ?? Object.entries(fields).find(([k]) => k.toLowerCase() === String(err.problem?.property).toLowerCase())?.[1];
    result.append(errorBox(err));
    if (target) { target.setAttribute("aria-invalid", "true"); target.focus(); }
  }

  return h("form", { class: "card send-form", onsubmit: submit, novalidate: true },
    h("datalist", { id: "content-types" }, ["application/json", "text/plain", "application/xml", "application/octet-stream"].map((v) => h("option", { value: v }))),
    field("send-body", "Body", body, "With a JSON content type the text is parsed and sent as JSON; otherwise it is sent as text."),
    h("div", { class: "fields" },
      field("send-content-type", "Content type", contentType),
      field("send-message-id", "Message ID", messageId),
      field("send-correlation-id", "Correlation ID", correlationId),
      field("send-subject", "Subject", subject),
      field("send-session-id", requiresSession ? "Session ID (required)" : "Session ID", sessionId),
      field("send-scheduled", "Scheduled enqueue time (local)", scheduled, "Empty: available at once."),
      field("send-ttl", "Time to live", ttl, "ISO 8601 (PT10M), hh:mm:ss or seconds.")),
    h("fieldset", {}, h("legend", {}, "Application properties"),
      h("table", { class: "props" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Type"),
        h("th", { scope: "col" }, "Value"), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Remove")))), props),
      addButton),
    result,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send message")));
}
