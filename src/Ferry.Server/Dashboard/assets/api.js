// The JSON admin API (docs/admin-api.md), plus /api/dashboard for subscriptions and topic sends.
const TOKEN_KEY = "ferry.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

let unauthorized = () => {};
export const onUnauthorized = (handler) => { unauthorized = handler; };

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY);

/** Calls the API; resolves with the JSON body (or text), rejects with an ApiError carrying the problem body. */
export async function api(path, { method = "GET", body, text = false, signal } = {}) {
  const headers = { Accept: text ? "text/plain" : "application/json" };
  const t = token();
  if (t) headers.Authorization = /^SharedAccessSignature /.test(t) ? t : `Bearer ${t}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { title: "Ferry is not reachable", detail: `The server did not answer (${err.message}). Is it running?` });
  }
  if (!response.ok) {
    let problem;
    try { problem = await response.json(); } catch { problem = { title: response.statusText || `HTTP ${response.status}` }; }
    if (response.status === 401) unauthorized(problem);
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  return text ? response.text() : response.json();
}

/** Where an entity's browse, purge, replay and send endpoints are: /api/queues for queues, /api/dashboard otherwise. */
export function entityBase(entity) {
  const name = encodeURIComponent(entity.name);
  return entity.type === "queue" ? `/api/queues/${name}` : `/api/dashboard/entities/${name}`;
}

export const getEntities = (signal) => api("/api/entities", { signal }).then((r) => r.entities);
export const getStats = (signal) => api("/api/dashboard/stats", { signal });

export function browse(entity, { deadLetter = false, from = 0, count = 50 } = {}) {
  const sub = deadLetter ? "/deadletter" : "";
  return api(`${entityBase(entity)}${sub}/messages?from=${from}&count=${count}`);
}

export const purge = (entity, deadLetter) =>
  api(`${entityBase(entity)}${deadLetter ? "/deadletter" : ""}/messages`, { method: "DELETE" });

export const replay = (entity, sequenceNumbers) =>
  api(`${entityBase(entity)}/deadletter/replay`, { method: "POST", body: sequenceNumbers ? { sequenceNumbers } : { all: true } });

export const send = (entity, message) => api(`${entityBase(entity)}/messages`, { method: "POST", body: message });

export const updateQueue = (name, properties) =>
  api(`/api/queues/${encodeURIComponent(name)}`, { method: "PUT", body: { properties } });

/** Settings of a queue (PUT /api/queues/{name}) or a subscription (PUT /api/dashboard/entities/{topic}/Subscriptions/{sub}). */
export const updateSettings = (entity, properties) => {
  if (entity.type !== "subscription") return updateQueue(entity.name, properties);
  const [topic, sub] = entity.name.split("/Subscriptions/");
  return api(`/api/dashboard/entities/${encodeURIComponent(topic)}/Subscriptions/${encodeURIComponent(sub)}`, { method: "PUT", body: { properties } });
};

