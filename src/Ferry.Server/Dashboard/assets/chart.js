// A small SVG line chart of two series over the last samples (no library).
import { h, rate } from "./dom.js";

/**
 * series: [{ key, label, className }] ; samples: [{ key: number|null }]
 * Returns an <svg> with role="img" and a text summary for screen readers.
 */
export function lineChart(samples, series, { width = 320, height = 72, unit = "/s", label = "Rates" } = {}) {
  const pad = 2;
  const values = samples.flatMap((s) => series.map((d) => s[d.key])).filter((v) => typeof v === "number");
  const max = Math.max(1, ...values);
  const slots = Math.max(samples.length, 60); // newest on the right, one slot per 2-second sample
  const x = (i) => pad + ((slots - samples.length + i) * (width - 2 * pad)) / (slots - 1);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  const last = samples.at(-1) ?? {};
  const summary = series.map((d) => `${d.label} ${rate(last[d.key])}${unit}`).join(", ");
  const svg = h("svg:svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": `${label}: ${summary}`, preserveAspectRatio: "none" },
    h("svg:title", {}, `Last 2 minutes; top of the chart: ${rate(max)}${unit}`),
    h("svg:line", { x1: 0, x2: width, y1: height - pad, y2: height - pad, class: "axis" }));
  for (const d of series) {
    const points = [];
    samples.forEach((s, i) => { if (typeof s[d.key] === "number") points.push(`${x(i).toFixed(1)},${y(s[d.key]).toFixed(1)}`); });
    if (points.length > 0) svg.append(h("svg:polyline", { points: points.join(" "), class: ["line", d.className], fill: "none" }));
  }
  return svg;
}

export function legend(samples, series, unit = "/s") {
  const last = samples.at(-1) ?? {};
  return h("ul", { class: "legend" }, series.map((d) =>
    h("li", {}, h("span", { class: ["swatch", d.className], "aria-hidden": "true" }), `${d.label} `, h("strong", {}, `${rate(last[d.key])}${unit}`))));
}
