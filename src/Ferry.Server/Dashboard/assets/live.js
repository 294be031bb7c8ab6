// The live model: /api/entities and /api/dashboard/stats every 2 s, rates computed from the counters' changes.
import { getEntities, getStats } from "./api.js";

const INTERVAL_MS = 2000;
const HISTORY = 60; // samples kept: two minutes at 2 s

const listeners = new Set();
export const state = {
  entities: [],
  byName: new Map(),
  error: null,
  updatedAt: null,
  paused: false,
  /** name (lower case) → [{ t, in, out, active, deadLetter }] ; "*" is the whole namespace. */
  history: new Map(),
};

let previous = null; // { t, entities: { name: counters } }
let timer = null;
let inflight = null;

export function subscribe(listener) {
  listeners.add(listener);
  if (state.updatedAt || state.error) listener(state);
  return () => listeners.delete(listener);
}

function push(key, sample) {
  let list = state.history.get(key);
  if (!list) state.history.set(key, (list = []));
  list.push(sample);
  if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
}

async function poll() {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(), 10_000);
  try {
    const [entities, stats] = await Promise.all([
      getEntities(controller.signal),
      getStats(controller.signal).catch(() => null),
    ]);
    const now = Date.now();
    const rates = new Map();
    if (stats && previous) {
      const dt = (now - previous.t) / 1000;
      for (const [name, c] of Object.entries(stats.entities)) {
        const p = previous.entities[name];
        if (!p || dt <= 0) continue;
        const delta = (k) => (typeof c[k] === "number" && typeof p[k] === "number" ? Math.max(0, c[k] - p[k]) / dt : null);
        rates.set(name.toLowerCase(), { in: delta("sent"), out: delta("received") });
      }
    }
    if (stats) previous = { t: now, entities: stats.entities };
    let totalIn = 0, totalOut = 0, totalActive = 0, totalDead = 0;
    const byName = new Map();
    for (const e of entities) {
      const key = e.name.toLowerCase();
      const old = state.byName.get(key);
      const r = rates.get(key);
      e.rate = r ?? null;
      e.deadLetterGrowing = !!(old?.counts && e.counts && e.counts.deadLetter > old.counts.deadLetter) ||
        !!(old?.deadLetterGrowing && e.counts && e.counts.deadLetter >= old.counts.deadLetter && now - old.growingSince < 60_000);
      e.growingSince = e.deadLetterGrowing ? (old?.deadLetterGrowing ? old.growingSince : now) : null;
      byName.set(key, e);
      if (e.counts) {
        push(key, { t: now, in: r?.in ?? null, out: r?.out ?? null, active: e.counts.active, deadLetter: e.counts.deadLetter });
        totalActive += e.counts.active;
        totalDead += e.counts.deadLetter;
      }
      // Namespace totals: what producers sent (queues, topics), what receivers got (queues, subscriptions).
      if (r?.in !== null && r?.in !== undefined && e.type !== "subscription") totalIn += r.in;
      if (r?.out !== null && r?.out !== undefined) totalOut += r.out;
    }
    // A topic keeps no messages: it shows the sums over its subscriptions.
    for (const e of entities) {
      if (e.type !== "topic") continue;
      const subs = (e.subscriptions ?? []).map((s) => byName.get(subscriptionKey(e.name, s))).filter(Boolean);
      e.counts = null;
      e.subscriptionCounts = subs.reduce((acc, s) => ({
        active: acc.active + s.counts.active, deadLetter: acc.deadLetter + s.counts.deadLetter, scheduled: acc.scheduled + s.counts.scheduled,
      }), { active: 0, deadLetter: 0, scheduled: 0 });
      push(e.name.toLowerCase(), { t: now, in: e.rate?.in ?? null, out: null, active: e.subscriptionCounts.active, deadLetter: e.subscriptionCounts.deadLetter });
    }
    push("*", { t: now, in: stats && rates.size ? totalIn : null, out: stats && rates.size ? totalOut : null, active: totalActive, deadLetter: totalDead });
    state.entities = entities;
    state.byName = byName;
    state.error = null;
    state.updatedAt = new Date(now);
  } catch (err) {
    if (err.name === "AbortError") err.message = "The server did not answer within 10 s.";
    state.error = err;
  } finally {
    clearTimeout(timeout);
  }
  for (const listener of listeners) {
    try { listener(state); } catch (err) { console.error(err); }
  }
}

/** Fetches now (after an action, or on start) and resumes the 2-second cycle. */
export function refresh() {
  clearTimeout(timer);
  inflight ??= poll().finally(() => {
    inflight = null;
    schedule();
  });
  return inflight;
}

function schedule() {
  clearTimeout(timer);
  if (!state.paused && !document.hidden) timer = setTimeout(refresh, INTERVAL_MS);
}

export function setPaused(paused) {
  state.paused = paused;
  if (paused) clearTimeout(timer);
  else refresh();
}

document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(timer) : !state.paused && refresh()));

/** The key of a topic's subscription, whether the API lists it by its full name or by the short one. */
export function subscriptionKey(topic, subscription) {
  return (subscription.includes("/") ? subscription : `${topic}/Subscriptions/${subscription}`).toLowerCase();
}
