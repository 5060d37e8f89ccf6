// Colours and the plane: the one colour rule of the outputs (mlplab.viz.style in JS), the
// data points (class by marker shape, test points hollow), the axes of the plane and the
// loss chart. Uses the page's globals `palette`, `data`, `frame`, `view`, `curves`.
"use strict";

// ---------------------------------------------------------------- colours
// The bytes of an image: base64 text (JSON frames) or a Uint8Array (binary frames).
function bytes(encoded) {
  if (encoded instanceof Uint8Array) return encoded;
  const text = atob(encoded), out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function mix(a, b, t) { return a.map((value, i) => value + (b[i] - value) * t); }

function css(color) { return `rgb(${color.map(Math.round).join(",")})`; }

// A colour mixed into the neutral white: amount 0 gives white, 1 the colour itself.
function shade(color, amount) { return mix(palette.neutral, color, amount); }

// t in [0, 1] on a two-sided scale: the end that wins (0 low, 1 high) and how far from
// the middle t lies (0 in the middle, 1 at an end).
function twoSided(t) {
  t = Math.min(1, Math.max(0, t));
  return [t >= 0.5 ? 1 : 0, Math.abs(2 * t - 1)];
}

function diverging(t) {  // t in [0, 1]: low end - white - high end
  const [end, distance] = twoSided(t);
  return shade(palette.diverging[end], distance);
}

// The one colour rule of the network's output: the colour that wins at a pixel, mixed
// into white by how sure the net is there (certainty 0..1). Every output picture (the
// plane, the baseline, the output neurons) is drawn with it.
function outputColor(color, certainty) { return shade(color, palette.strength * certainty); }

// RGB floats (3 per pixel) of an output image from the server: mlplab.viz.style.output_colors
// in JS (tests/web/test_palette.py runs both on the same outputs). A probability or a value
// arrives as its place t between the two ends; classes as the winner and its certainty.
function outputColors(image, discretize = false) {
  const values = bytes(image.values);
  const classes = image.kind === "classes" ? bytes(image.classes) : null;
  const colors = image.kind === "value" ? palette.diverging : palette.classes;
  const rgb = new Float64Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const [winner, certainty] = classes ? [classes[i], values[i] / 255] : twoSided(values[i] / 255);
    rgb.set(outputColor(colors[winner % colors.length], discretize ? 1 : certainty), i * 3);
  }
  return rgb;
}

// A data point's colour (mlplab.viz.style.label_colors): its class's colour, or with a
// value range (regression) the target's place between the low end, white and the high end.
function labelColor(label, valueRange = null) {
  if (!valueRange) return palette.classes[label % palette.classes.length];
  return diverging((label - valueRange[0]) / ((valueRange[1] - valueRange[0]) || 1));
}

// The 256 colours of a byte on the diverging scale (a hidden neuron's thumbnail), as RGBA.
function divergingTable() {
  const table = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) table.set([...diverging(v / 255), 255], v * 4);
  return table;
}

function outputPixels(image) {
  const n = image.size, rgb = outputColors(image, view.discretize);
  const rgba = new Uint8ClampedArray(n * n * 4);
  for (let i = 0; i < n * n; i++) {
    rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return new ImageData(rgba, n, n);
}

const scratch = document.createElement("canvas");  // one buffer for every scaled image

function drawImage(canvas, imageData) {
  const context = canvas.getContext("2d");
  if (imageData.width === canvas.width && imageData.height === canvas.height) {
    context.putImageData(imageData, 0, 0);
    return context;
  }
  scratch.width = imageData.width; scratch.height = imageData.height;
  scratch.getContext("2d").putImageData(imageData, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  return context;
}

// ---------------------------------------------------------------- the plane
// Class k's marker: shape and colour both say the class (nothing by colour alone).
const MARKERS = ["circle", "square", "triangle", "diamond", "down", "pentagon", "cross", "hexagon"];

function markerPath(context, shape, x, y, r) {
  context.beginPath();
  if (shape === "circle") { context.arc(x, y, r, 0, 2 * Math.PI); return; }
  if (shape === "square") { context.rect(x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r); return; }
  if (shape === "cross") {  // a plus sign with arms 0.4 r wide
    const a = 0.4 * r;
    const corners = [[-a, -r], [a, -r], [a, -a], [r, -a], [r, a], [a, a], [a, r], [-a, r],
                     [-a, a], [-r, a], [-r, -a], [-a, -a]];
    corners.forEach(([dx, dy], k) => (k ? context.lineTo(x + dx, y + dy) : context.moveTo(x + dx, y + dy)));
    context.closePath();
    return;
  }
  const sides = { triangle: 3, diamond: 4, down: 3, pentagon: 5, hexagon: 6 }[shape];
  const turn = shape === "down" ? Math.PI / 2 : shape === "diamond" ? 0 : -Math.PI / 2;
  const radius = shape === "diamond" ? 1.15 * r : 1.2 * r;
  for (let k = 0; k < sides; k++) {
    const angle = turn + 2 * Math.PI * k / sides;
    const px = x + radius * Math.cos(angle), py = y + radius * Math.sin(angle);
    if (k) context.lineTo(px, py); else context.moveTo(px, py);
  }
  context.closePath();
}

// A point: training points filled, test points hollow (white inside, a thick rim of
// their colour, a thin dark edge), so train and test differ by more than a colour.
function drawMarker(context, shape, x, y, r, color, isTest, regression) {
  markerPath(context, shape, x, y, r);
  if (isTest) {
    context.fillStyle = "white"; context.fill();
    context.lineWidth = 1.8; context.strokeStyle = css(color); context.stroke();
    markerPath(context, shape, x, y, r + 1.2);
    context.lineWidth = 0.6; context.strokeStyle = "#202124"; context.stroke();
    return;
  }
  context.fillStyle = css(color); context.fill();
  // A regression's points fade into white mid-range: a grey ring keeps them in sight.
  context.lineWidth = 1; context.strokeStyle = regression ? "#80868b" : "white";
  context.stroke();
}

function pointShape(label) {
  return data && data.problem !== "regression" ? MARKERS[label % MARKERS.length] : "circle";
}

function drawPlanes() {
  if (!data) return;
  if (customDraft()) { drawDraftPlane($("plane")); return; }
  if (!frame) return;
  drawPlane($("plane"), frame.output);
  if (data.baseline) drawPlane($("baseline-plane"), data.baseline.output);
}

function drawPlane(canvas, image) {
  const context = drawImage(canvas, outputPixels(image));
  drawPoints(context, canvas, data.bounds, [[data.train, false]].concat(
    view.showTest ? [[data.test, true]] : []), data.problem === "regression" ? data.y_range : null);
}

function drawPoints(context, canvas, bounds, sets, valueRange) {
  const [x0, x1, y0, y1] = bounds;
  const radius = canvas.width > 200 ? 4 : 2.4;
  for (const [points, isTest] of sets) {
    for (const [x, y, label] of points) {
      const px = (x - x0) / (x1 - x0) * canvas.width, py = (y1 - y) / (y1 - y0) * canvas.height;
      drawMarker(context, valueRange ? "circle" : MARKERS[label % MARKERS.length], px, py,
                 radius, labelColor(label, valueRange), isTest, Boolean(valueRange));
    }
  }
}

// ---------------------------------------------------------------- axes
// Round tick values between lo and hi (about `count` of them): steps of 1, 2 or 5 x 10^k.
function niceTicks(lo, hi, count = 5) {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { values: [lo], decimals: 2 };
  const raw = span / count, power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (step / power === 2.5 ? 1 : 0);
  return { values, decimals };
}

// The plane's x1 and x2 ticks: text next to the canvas, placed at their values.
function drawPlaneAxes(bounds) {
  const [x0, x1, y0, y1] = bounds;
  const xs = niceTicks(x0, x1, 5), ys = niceTicks(y0, y1, 5);
  $("plane-xticks").replaceChildren(...xs.values.map((v) => {
    const tick = el("span", {}, v.toFixed(xs.decimals));
    tick.style.left = `${(v - x0) / (x1 - x0) * 100}%`;
    return tick;
  }));
  $("plane-yticks").replaceChildren(...ys.values.map((v) => {
    const tick = el("span", {}, v.toFixed(ys.decimals));
    tick.style.top = `${(y1 - v) / (y1 - y0) * 100}%`;
    return tick;
  }));
}

// Under the plane: each class's marker and name (the user's own labels), and what filled
// and hollow markers mean.
function drawPlaneLegend() {
  const entries = [];
  if (data.problem !== "regression") {
    data.classes.forEach((name, k) => entries.push(legendEntry(MARKERS[k % MARKERS.length],
      labelColor(k), false, `class ${className(name)}`)));
  } else {
    const [lo, hi] = data.y_range;
    entries.push(legendEntry("circle", labelColor(lo, data.y_range), false, `value ${lo.toPrecision(2)}`),
                 legendEntry("circle", labelColor(hi, data.y_range), false, `value ${hi.toPrecision(2)}`));
  }
  const grey = palette.neutral.map((v) => 0.6 * v);
  entries.push(legendEntry("circle", grey, false, "training (filled)"),
               legendEntry("circle", grey, true, "test (hollow)"));
  $("plane-legend").replaceChildren(...entries);
}

function legendEntry(shape, color, isTest, text) {
  const canvas = el("canvas", { width: "16", height: "16", "aria-hidden": "true" });
  drawMarker(canvas.getContext("2d"), shape, 8, 8, 4.5, color, isTest, false);
  return el("span", { class: "entry" }, canvas, text);
}

// A class's name as the user gave it: a clicked label 1 arrives as "1.0" from the server.
function className(name) {
  if (config.dataset === "upload") return name;
  const value = Number(name);
  return name !== "" && Number.isInteger(value) ? String(value) : name;
}

// ---------------------------------------------------------------- the loss chart
const CHART = { left: 40, right: 8, top: 8, bottom: 30 };

function drawCurves() {
  const canvas = $("curves"), context = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  const plotW = w - CHART.left - CHART.right, plotH = h - CHART.top - CHART.bottom;
  context.clearRect(0, 0, w, h);
  const values = curves.train.concat(curves.test).filter((v) => v !== null && Number.isFinite(v));
  const first = curves.epoch[0] ?? 0, last = Math.max(curves.epoch[curves.epoch.length - 1] ?? 1, first + 1);
  const top = values.length ? Math.max(...values) * 1.05 || 1 : 1;
  const x = (epoch) => CHART.left + (epoch - first) / (last - first) * plotW;
  const y = (v) => CHART.top + plotH - v / top * plotH;
  drawChartAxes(context, niceTicks(first, last, 4), niceTicks(0, top, 4), x, y);
  if (curves.epoch.length < 2 || !values.length) return;
  for (const [series, color, dash] of [[curves.train, "#80868b", []], [curves.test, "#202124", [5, 3]]]) {
    context.beginPath();
    let started = false;
    series.forEach((v, k) => {
      if (v === null) { started = false; return; }
      if (started) context.lineTo(x(curves.epoch[k]), y(v));
      else { context.moveTo(x(curves.epoch[k]), y(v)); started = true; }
    });
    context.setLineDash(dash);
    context.strokeStyle = color; context.lineWidth = 1.6; context.stroke();
  }
  context.setLineDash([]);
}

function drawChartAxes(context, xs, ys, x, y) {
  const { left, top, bottom } = CHART, h = context.canvas.height, w = context.canvas.width;
  context.font = "10px system-ui, sans-serif"; context.fillStyle = "#5f6368";
  context.strokeStyle = "#e8eaed"; context.lineWidth = 1;
  context.textAlign = "right"; context.textBaseline = "middle";
  for (const v of ys.values) {
    const py = Math.round(y(v)) + 0.5;
    context.beginPath(); context.moveTo(left, py); context.lineTo(w - CHART.right, py); context.stroke();
    context.fillText(v.toFixed(ys.decimals), left - 4, py);
  }
  context.textAlign = "center"; context.textBaseline = "top";
  for (const v of xs.values.filter(Number.isInteger)) {
    context.fillText(v.toLocaleString("en"), x(v), h - bottom + 3);
  }
  context.strokeStyle = "#9aa0a6";
  context.beginPath(); context.moveTo(left + 0.5, top); context.lineTo(left + 0.5, h - bottom + 0.5);
  context.lineTo(w - CHART.right, h - bottom + 0.5); context.stroke();
  context.fillText("epoch", left + (w - left - CHART.right) / 2, h - 13);
  context.save(); context.translate(10, top + (h - top - bottom) / 2); context.rotate(-Math.PI / 2);
  context.textBaseline = "middle"; context.fillText("loss", 0, 0); context.restore();
}
