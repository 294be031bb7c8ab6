// Ferry dashboard: hash router, header, sign-in. Views render into <main> and return a cleanup function.
import { onUnauthorized, setToken, token, api } from "./api.js";
import { h, clear, fill, setCrumbs } from "./dom.js";
import { state, subscribe, refresh, setPaused } from "./live.js";
import { overview } from "./overview.js";
import { entityPage } from "./entity.js";
import { messagesPage } from "./messages.js";
import { sendPage } from "./send.js";

const main = document.getElementById("main");
const updated = document.getElementById("updated");
const pause = document.getElementById("pause");
const signout = document.getElementById("signout");
let cleanup = () => {};
let signingIn = false;

/** #/ | #/e/{name} | #/e/{name}/messages | #/e/{name}/deadletter | #/e/{name}/send */
function parse(hash) {
  const path = hash.replace(/^#/, "") || "/";
  const m = /^\/e\/([^/]+)(?:\/(messages|deadletter|send))?\/?$/.exec(path);
  if (m) return { view: m[2] ?? "entity", name: decodeURIComponent(m[1]) };
  return { view: "overview" };
}

function route() {
  if (signingIn) return;
  cleanup();
  cleanup = () => {};
  const r = parse(location.hash);
  clear(main);
  const views = { overview, entity: entityPage, messages: messagesPage, deadletter: messagesPage, send: sendPage };
  cleanup = views[r.view](main, r) ?? (() => {});
  // After navigation, focus moves to the new page's heading (screen readers announce it); not on first load.
  const heading = main.querySelector("h1");
  if (heading && routed) { heading.tabIndex = -1; heading.focus(); }
  routed = true;
}
let routed = false;

function signIn(problem) {
  if (signingIn) return;
  signingIn = true;
  cleanup();
  cleanup = () => {};
  setPaused(true);
  clear(main);
  setCrumbs([{ label: "Sign in" }]);
  const input = h("input", { id: "token", type: "password", autocomplete: "current-password", required: true, "aria-describedby": "token-help" });
  const error = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "card signin", onsubmit: async (ev) => {
    ev.preventDefault();
    setToken(input.value.trim());
    try {
      await api("/api/entities");
      signingIn = false;
      signout.hidden = false;
      setPaused(false);
      route();
    } catch (err) {
      setToken(null);
      fill(error, h("p", { class: "error", role: "alert" }, err.message));
    }
  } },
  h("h1", {}, "Sign in"),
  h("p", {}, "This Ferry server asks for authorization: ", h("span", { class: "muted" }, problem?.detail ?? "")),
  h("label", { for: "token" }, "Admin token or SharedAccessSignature token"),
  input,
  h("p", { id: "token-help", class: "small muted" },
    "The AdminToken server option, or a token the Service Bus SDKs make (SharedAccessSignature sr=…&sig=…&se=…&skn=…). Kept for this browser tab only."),
  error,
  h("button", { type: "submit", class: "primary" }, "Sign in"));
  main.append(form);
  input.focus();
}

onUnauthorized((problem) => signIn(problem));
signout.hidden = !token();
signout.addEventListener("click", () => { setToken(null); location.reload(); });
pause.addEventListener("click", () => {
  const paused = !state.paused;
  setPaused(paused);
  pause.setAttribute("aria-pressed", String(paused));
  pause.textContent = paused ? "Resume" : "Pause";
});
subscribe((s) => {
  const error = s.error && s.error.status !== 401 ? s.error : null; // 401: the sign-in form says it
  updated.textContent = error ? "Not updated: " + error.message : s.updatedAt && !s.error ? `Updated ${s.updatedAt.toLocaleTimeString()}` : "";
  updated.classList.toggle("stale", !!error);
});

document.addEventListener("keydown", (ev) => {
  if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return;
  const filter = document.getElementById("filter");
  if (filter) { ev.preventDefault(); filter.focus(); filter.select(); }
});

window.addEventListener("hashchange", route);
route();
refresh();
