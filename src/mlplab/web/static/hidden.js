// The hidden-space view: the training points and the lines of a regular grid of the
// plane, as layer k sees them (mlplab.viz.hidden_space computes them on the server):
// 2 coordinates, or 1 for a layer of one unit, drawn on a number line with a row per
// class. hiddenStats counts the draws and their time, for the browser test of the
// view's frame rate.
"use strict";

const hiddenStats = { draws: 0, milliseconds: 0 };
window.hiddenStats = hiddenStats;

function drawHidden(hidden) {
  $("hidden-figure").hidden = !hidden;
  if (!hidden || !data) return;
  const started = performance.now();
  const canvas = $("hidden"), context = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 10;
  const oneD = hidden.points.length && hidden.points[0].length === 1;
  const rows = oneD ? rowsOf(hidden.points.length) : null;
  const coords = oneD ? hidden.points.map((p, i) => [p[0], rows[i]]) : hidden.points;
  const shown = oneD ? coords : coords.concat(...hidden.grid);
  const finite = shown.filter((p) => p[0] !== null && p[1] !== null);
  const lo = [0, 1].map((d) => Math.min(...finite.map((p) => p[d])));
  const hi = [0, 1].map((d) => Math.max(...finite.map((p) => p[d])));
  const px = (p) => [pad + (p[0] - lo[0]) / ((hi[0] - lo[0]) || 1) * (w - 2 * pad),
                     h - pad - (p[1] - lo[1]) / ((hi[1] - lo[1]) || 1) * (h - 2 * pad)];
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, w, h);
  if (!oneD) {
    context.strokeStyle = "#bdc1c6"; context.lineWidth = 0.8;
    for (const line of hidden.grid) polyline(context, line.map(px));
  }
  if (hidden.boundary) drawHiddenBoundary(context, hidden.boundary, lo, hi, px);
  hidden.points.forEach((_, i) => {
    const [x, y] = px(coords[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const label = data.train[i][2];
    const range = data.problem === "regression" ? data.y_range : null;
    drawMarker(context, pointShape(label), x, y, 3.2, labelColor(label, range), false, Boolean(range));
  });
  const labels = hidden.axis_labels.map((t) => t.replaceAll("$", ""));
  $("hidden-caption").textContent = `${hidden.title}: across ${labels[0]}` +
    (labels[1] ? `, up ${labels[1]}` : ", a row per class") +
    (hidden.boundary ? "; dashed: the output's boundary" : "");
  hiddenStats.draws += 1;
  hiddenStats.milliseconds += performance.now() - started;
}

// A 1-unit layer: each point on its class's row, spread a little (the same each frame).
function rowsOf(count) {
  return [...Array(count).keys()].map((i) => {
    const label = data.train[i][2], spread = ((i * 0.618034) % 1) - 0.5;
    return (data.problem === "regression" ? 0 : label) + 0.5 * spread;
  });
}

function polyline(context, points) {
  context.beginPath();
  let started = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) { started = false; continue; }
    if (started) context.lineTo(x, y); else { context.moveTo(x, y); started = true; }
  }
  context.stroke();
}

// The output unit's boundary in the last hidden layer: w1 x + w2 y + b = 0, dashed.
function drawHiddenBoundary(context, [w1, w2, b], lo, hi, px) {
  const ends = Math.abs(w2) > 1e-12
    ? [lo[0], hi[0]].map((x) => [x, -(w1 * x + b) / w2])
    : [lo[1], hi[1]].map((y) => [-b / w1, y]);
  context.save();
  context.setLineDash([6, 4]); context.strokeStyle = "#202124"; context.lineWidth = 1.6;
  polyline(context, ends.map(px));
  context.restore();
}

