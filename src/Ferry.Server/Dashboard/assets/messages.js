// Message browser and dead-letter view: peek with paging, body as JSON / text / hex, properties, replay, purge, export.
import { h, clear, fill, num, bytes, when, displayName, entityCrumbs, errorBox, toast, confirmDialog, hexDump, base64ToBytes } from "./dom.js";
import { state, subscribe, refresh } from "./live.js";
import { browse, purge, replay } from "./api.js";
import { actions } from "./entity.js";

const EXPORT_LIMIT = 10_000;

export function messagesPage(main, { name, view }) {
  const deadLetter = view === "deadletter";
  let entity = null;
  let built = false;
  let headKey = null;
  const head = h("div", { class: "page-head" });
  main.append(head);

  const unsubscribe = subscribe((s) => {
    const e = s.byName.get(name.toLowerCase());
    if (!e) {
      if (s.updatedAt && !built) {
        entityCrumbs(null, name, deadLetter ? "Dead letters" : "Messages");
        fill(head, h("h1", {}, name), h("p", { class: "error", role: "alert" }, `There is no queue or subscription named “${name}”.`));
      }
      return;
    }
    entity = e;
    const key = JSON.stringify([e.counts, e.status]);
    if (key !== headKey) {
      headKey = key;
      entityCrumbs(e, e.name, deadLetter ? "Dead letters" : "Messages");
      const hadFocus = head.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
      fill(head, h("h1", {}, displayName(e), h("span", { class: "muted" }, deadLetter ? " — dead letters" : " — messages")), actions(e, view));
      if (hadFocus) head.querySelector(`a[href="${CSS.escape(hadFocus)}"]`)?.focus();
    }
    if (!built) {
      built = true;
      if (e.type === "topic") main.append(h("p", {}, "A topic keeps no messages: browse its subscriptions."));
      else build();
    }
  });

  function build() {
    let from = 0;
    let history = []; // previous pages' "from"
    let page = null;
    let pageSize = Number(sessionStorage.getItem("ferry.pageSize") ?? 50);
    let detailSeq = null;
    const selected = new Set();

    const fromInput = h("input", { id: "from", type: "number", min: 0, value: 0, inputmode: "numeric", class: "narrow" });
    const sizeSelect = h("select", { id: "page-size" }, [10, 25, 50, 100, 250].map((n) => h("option", { value: n, selected: n === pageSize }, n)));
    const prev = h("button", { type: "button", onclick: () => { from = history.pop() ?? 0; load(); } }, "← Previous");
    const next = h("button", { type: "button", onclick: () => { history.push(from); from = page.next; load(); } }, "Next →");
    const first = h("button", { type: "button", onclick: () => { history = []; from = 0; load(); } }, "First page");
    const reload = h("button", { type: "button", onclick: () => load() }, "Refresh");
    const replaySelected = h("button", { type: "button", id: "replay-selected", disabled: true, onclick: () => doReplay([...selected]) }, "Replay selected");
    const tools = h("div", { class: "toolbar" },
      h("form", { class: "inline", onsubmit: (ev) => { ev.preventDefault(); history = []; from = Math.max(0, Number(fromInput.value) || 0); load(); } },
        h("label", { for: "from" }, "From sequence number"), fromInput, h("button", { type: "submit" }, "Go")),
      h("label", { for: "page-size" }, "Per page"), sizeSelect,
      first, prev, next, reload,
      h("span", { class: "spacer" }),
      deadLetter ? [replaySelected,
        h("button", { type: "button", onclick: () => doReplay(null) }, "Replay all"),
        h("button", { type: "button", onclick: exportJson }, "Export JSON")] : null,
      h("button", { type: "button", class: "danger", onclick: doPurge }, deadLetter ? "Purge dead letters…" : "Purge messages…"));
    sizeSelect.addEventListener("change", () => { pageSize = Number(sizeSelect.value); sessionStorage.setItem("ferry.pageSize", pageSize); load(); });

    const status = h("p", { class: "small muted", "aria-live": "polite" });
    const error = h("div");
    const list = h("div", { class: "table-wrap" });
    const detail = h("section", { class: "card detail", "aria-labelledby": "detail-title", hidden: true, tabindex: -1 });
    main.append(tools, error, h("div", { class: "browser" }, h("div", {}, status, list), detail));

    async function load({ keepDetail = false } = {}) {
      clear(error);
      status.textContent = "Loading…";
      try {
        page = await browse(entity, { deadLetter, from, count: pageSize });
      } catch (err) {
        status.textContent = "";
        error.append(errorBox(err));
        return;
      }
      fromInput.value = from;
      const present = new Set(page.messages.map((m) => m.sequenceNumber));
      for (const seq of selected) if (!present.has(seq)) selected.delete(seq);
      if (!keepDetail || !present.has(detailSeq)) { detailSeq = null; detail.hidden = true; }
      renderList();
      prev.disabled = history.length === 0;
      next.disabled = page.next === null;
      first.disabled = from === 0 && history.length === 0;
      const n = page.messages.length;
      status.textContent = n === 0 ? (from === 0 ? (deadLetter ? "The dead-letter queue is empty." : "No messages.") : "No messages from this sequence number on.")
        : `Showing ${n} message${n === 1 ? "" : "s"}, sequence numbers ${page.messages[0].sequenceNumber} to ${page.messages[n - 1].sequenceNumber}${page.next === null ? " (last page)" : ""}.`;
    }

    function renderList() {
      const all = page.messages;
      replaySelected.disabled = selected.size === 0;
      replaySelected.textContent = selected.size ? `Replay selected (${selected.size})` : "Replay selected";
      if (all.length === 0) { clear(list); return; }
      const selectAll = h("input", { type: "checkbox", "aria-label": "Select every message on this page",
        checked: selected.size === all.length, indeterminate: selected.size > 0 && selected.size < all.length,
        onchange: (ev) => { for (const m of all) ev.target.checked ? selected.add(m.sequenceNumber) : selected.delete(m.sequenceNumber); renderList(); } });
      const headers = [deadLetter ? h("th", { scope: "col", class: "sel" }, selectAll) : null,
        h("th", { scope: "col", class: "n" }, "Seq"), h("th", { scope: "col" }, "Message ID"),
        deadLetter ? [h("th", { scope: "col" }, "Reason"), h("th", { scope: "col", class: "c-wide" }, "Description")]
          : [h("th", { scope: "col" }, "State"), h("th", { scope: "col", class: "c-wide" }, "Subject")],
        h("th", { scope: "col" }, "Enqueued"), h("th", { scope: "col", class: "n", title: "Delivery count" }, "Deliveries"),
        h("th", { scope: "col", class: "n" }, "Size"), deadLetter ? h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")) : null];
      const rows = all.map((m) => {
        const seq = m.sequenceNumber;
        const app = m.applicationProperties ?? {};
        return h("tr", { class: [seq === detailSeq && "current"], dataset: { seq } },
          deadLetter ? h("td", { class: "sel" }, h("input", { type: "checkbox", "aria-label": `Select message ${seq}`, checked: selected.has(seq),
            onchange: (ev) => { ev.target.checked ? selected.add(seq) : selected.delete(seq); renderList(); list.querySelector(`tr[data-seq="${seq}"] input`)?.focus(); } })) : null,
          h("td", { class: "n" }, h("button", { type: "button", class: "link", "aria-expanded": String(seq === detailSeq), "aria-controls": "detail",
            "aria-label": `Show message ${seq}`, onclick: () => showDetail(m) }, seq)),
          h("td", { class: "mono ellipsis", title: m.messageId ?? "" }, m.messageId ?? "—"),
          deadLetter ? [h("td", {}, app.DeadLetterReason ?? "—"), h("td", { class: "c-wide ellipsis", title: app.DeadLetterErrorDescription ?? "" }, app.DeadLetterErrorDescription ?? "—")]
            : [h("td", {}, h("span", { class: ["state", `st-${String(m.state).toLowerCase()}`] }, m.state)), h("td", { class: "c-wide ellipsis" }, m.systemProperties?.subject ?? "—")],
          h("td", { class: "nowrap" }, when(m.enqueuedTime)),
          h("td", { class: "n" }, num(m.deliveryCount)),
          h("td", { class: "n nowrap" }, bytes(m.size)),
          deadLetter ? h("td", {}, h("button", { type: "button", class: "small-btn", "aria-label": `Replay message ${seq}`, onclick: () => doReplay([seq]) }, "Replay")) : null);
      });
      fill(list, h("table", { class: "messages" }, h("caption", { class: "sr-only" }, deadLetter ? "Dead-lettered messages" : "Messages"),
        h("thead", {}, h("tr", {}, headers)), h("tbody", {}, rows)));
    }

    function showDetail(m) {
      detailSeq = m.sequenceNumber;
      renderList();
      detail.id = "detail";
      detail.hidden = false;
      fill(detail, messageDetail(m, () => { detailSeq = null; detail.hidden = true; renderList(); list.querySelector(`tr[data-seq="${m.sequenceNumber}"] button`)?.focus(); }));
      detail.focus({ preventScroll: true });
      if (detail.getBoundingClientRect().top > innerHeight) detail.scrollIntoView({ block: "start" });
    }

    /** The entity as the server counts it now, not as of the last 2-second poll. */
    async function fresh() {
      await refresh();
      entity = state.byName.get(name.toLowerCase()) ?? entity;
      return entity;
    }

    async function doReplay(sequenceNumbers) {
      if (!sequenceNumbers) await fresh();
      const count = sequenceNumbers ? sequenceNumbers.length : entity.counts.deadLetter;
      if (!sequenceNumbers && !(await confirmDialog("Replay every dead letter?",
        `Send all ${num(count)} dead-lettered messages of ${displayName(entity)} back to it as new messages?`, "Replay all"))) return;
      try {
        const r = await replay(entity, sequenceNumbers);
        const parts = [`Replayed ${num(r.replayed)} message${r.replayed === 1 ? "" : "s"}`];
        if (r.notFound) parts.push(`${r.notFound} no longer there`);
        if (r.failed) parts.push(`${r.failed} failed: ${r.failures.map((f) => f.reason ?? f.detail ?? JSON.stringify(f)).join("; ")}`);
        toast(parts.join(", ") + ".", r.failed ? "error" : "ok");
        for (const seq of sequenceNumbers ?? []) selected.delete(seq);
      } catch (err) {
        toast(err.message, "error");
      }
      await Promise.all([load({ keepDetail: true }), refresh()]);
    }

    async function doPurge() {
      await fresh();
      const count = deadLetter ? entity.counts.deadLetter : entity.counts.total - entity.counts.deadLetter;
      const what = deadLetter ? "dead-lettered messages" : "messages (active, scheduled, deferred and locked)";
      if (!(await confirmDialog(deadLetter ? "Purge the dead-letter queue?" : "Purge all messages?",
        `Delete all ${num(count)} ${what} of ${displayName(entity)}? This cannot be undone.`, "Purge"))) return;
      try {
        const r = await purge(entity, deadLetter);
        toast(`Purged ${num(r.purged)} message${r.purged === 1 ? "" : "s"}.`);
      } catch (err) {
        toast(err.message, "error");
      }
      history = [];
      from = 0;
      await Promise.all([load(), refresh()]);
    }

    async function exportJson() {
      const messages = [];
      let at = 0;
      status.textContent = "Exporting…";
      try {
        while (at !== null && messages.length < EXPORT_LIMIT) {
          const p = await browse(entity, { deadLetter: true, from: at, count: Math.min(1000, EXPORT_LIMIT - messages.length) });
          messages.push(...p.messages);
          at = p.next;
        }
      } catch (err) {
        error.append(errorBox(err));
        return;
      }
      const doc = { entity: entity.name, subQueue: "deadletter", exportedAt: new Date().toISOString(), count: messages.length,
        truncated: at !== null, messages };
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
      const a = h("a", { href: url, download: `${entity.name.replaceAll("/", "_")}-deadletter-${doc.exportedAt.replace(/[:.]/g, "-")}.json`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Exported ${messages.length} dead-lettered message${messages.length === 1 ? "" : "s"}${doc.truncated ? ` (the first ${EXPORT_LIMIT})` : ""}.`;
    }

    load();
  }

  return unsubscribe;
}

/** The detail panel for one message: state, body (pretty JSON / text / hex), system and application properties. */
function messageDetail(m, close) {
  const sys = m.systemProperties ?? {};
  const views = bodyViews(m.body, sys.contentType);
  const pre = h("pre", { class: "body", tabindex: 0, "aria-label": "Message body" });
  const pick = (mode) => { pre.textContent = views.modes[mode]; };
  const radios = Object.keys(views.modes).map((mode) => h("label", { class: "seg" },
    h("input", { type: "radio", name: "body-mode", value: mode, checked: mode === views.initial, onchange: () => pick(mode) }), mode));
  pick(views.initial);
  const app = m.applicationProperties ?? {};
  return [
    h("div", { class: "section-head" },
      h("h2", { id: "detail-title" }, `Message ${m.sequenceNumber}`),
      h("button", { type: "button", class: "ghost", onclick: close, "aria-label": "Close message details" }, "✕")),
    h("table", { class: "kv" }, h("tbody", {},
      kv("State", h("span", { class: ["state", `st-${String(m.state).toLowerCase()}`] }, m.state)),
      kv("Sequence number", m.sequenceNumber), kv("Delivery count", m.deliveryCount),
      kv("Enqueued", when(m.enqueuedTime)), m.scheduledEnqueueTime ? kv("Scheduled for", when(m.scheduledEnqueueTime)) : null,
      kv("Expires", when(m.expiresAt)), m.deadLetterSource ? kv("Dead-letter source", m.deadLetterSource) : null,
      app.DeadLetterReason !== undefined ? kv("Dead-letter reason", app.DeadLetterReason) : null,
      app.DeadLetterErrorDescription !== undefined ? kv("Description", app.DeadLetterErrorDescription) : null,
      kv("Size", bytes(m.size)))),
    h("h3", {}, "Body ", h("span", { class: "small muted" }, views.note)),
    Object.keys(views.modes).length > 1 ? h("fieldset", { class: "segmented" }, h("legend", { class: "sr-only" }, "Show the body as"), radios) : null,
    pre,
    h("h3", {}, "Application properties"),
    Object.keys(app).length ? h("table", { class: "kv", "aria-label": "Application properties" }, h("tbody", {},
      Object.entries(app).map(([k, v]) => kv(k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v), true)))) : h("p", { class: "muted" }, "None."),
    h("h3", {}, "System properties"),
    h("table", { class: "kv", "aria-label": "System properties" }, h("tbody", {},
      Object.entries(sys).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => kv(k, String(v), true)))),
    m.messageAnnotations && Object.keys(m.messageAnnotations).length ? [h("h3", {}, "Message annotations"),
      h("table", { class: "kv" }, h("tbody", {}, Object.entries(m.messageAnnotations).map(([k, v]) => kv(k, typeof v === "object" ? JSON.stringify(v) : String(v), true))))] : null,
  ];
}

function kv(key, value, mono = false) {
  return h("tr", {}, h("th", { scope: "row" }, key), h("td", { class: mono ? "mono" : undefined }, value ?? "—"));
}

/** The ways a body can be shown, and which to start with (by content type). */
export function bodyViews(body, contentType) {
  const modes = {};
  let initial;
  let note = "";
  const ct = (contentType ?? "").toLowerCase();
  if (!body || body.type === "none") return { modes: { Text: "(no body)" }, initial: "Text", note: "none" };
  if (body.type === "invalid") return { modes: { Text: body.detail ?? "The message could not be decoded." }, initial: "Text", note: "invalid" };
  if (body.type === "data") {
    note = `${contentType ?? "no content type"}, ${bytes(body.size)}${body.sections > 1 ? `, ${body.sections} sections` : ""}${body.truncated ? ", cut" : ""}`;
    if (body.encoding === "text") {
      if (body.json !== undefined) modes.JSON = JSON.stringify(body.json, null, 2);
      modes.Text = body.content;
      modes.Hex = hexDump(new TextEncoder().encode(body.content));
      initial = modes.JSON && (ct === "" || ct.includes("json")) ? "JSON" : "Text";
    } else {
      const u8 = base64ToBytes(body.content ?? "");
      modes.Hex = hexDump(u8);
      modes.Text = new TextDecoder("utf-8", { fatal: false }).decode(u8);
      initial = "Hex";
    }
  } else {
    note = `AMQP ${body.type}${body.truncated ? ", cut" : ""}`;
    modes.JSON = JSON.stringify(body.value, null, 2);
    initial = "JSON";
  }
  return { modes, initial, note };
}
