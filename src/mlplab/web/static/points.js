// Own data: a blank plane to draw on. Choosing "custom" starts blank; a click adds the
// chosen class (a value, for regression), a shift-click the other class (the opposite
// value); Undo and Clear; the server gets the points once they make a data set it can
// train on (both classes, two points), and until then the page says what is missing.
// Links carry the points in a compact form (`pts=`, below); old `points=` links load too.
"use strict";

// While drawing: the points, the states to undo to, the frame of the blank plane, and
// whether the server has these points yet (pending: not yet, or it refused them).
let custom = null;
const MAX_UNDO = 200;

function customDraft() { return Boolean(custom && custom.pending); }

let previousDrawing = [];  // the points of the last drawing left: Undo brings them back

function startCustom(points = []) {
  const undo = previousDrawing.length && !points.length ? [previousDrawing] : [];
  custom = { points, undo, bounds: data ? data.bounds : [-1, 1, -1, 1], pending: true };
  applyPoints();
}

function leaveCustom() {
  if (custom && custom.points.length) previousDrawing = custom.points;
  custom = null;
  showPointsStatus();
}

function editPoints(points) {
  custom.undo.push(custom.points);
  if (custom.undo.length > MAX_UNDO) custom.undo.shift();
  custom.points = points;
  applyPoints();
}

function undoPoints() { if (custom && custom.undo.length) { custom.points = custom.undo.pop(); applyPoints(); } }

function clearPoints() { if (custom && custom.points.length) editPoints([]); }

function pointsProblem(points, problem = config.problem) {
  if (problem === "regression") return "regression";
  return new Set(points.map((p) => p[2])).size > 2 ? "multiclass" : problem;
}

// What the points lack to be a data set, in words, or null when they are one.
function missingPoints(points, problem) {
  if (problem === "regression") {
    if (points.length < 2) return `Add at least 2 points (${points.length} so far): click adds the chosen value, shift-click its opposite.`;
    if (new Set(points.map((p) => p[2])).size < 2) return "Add a point of another value: a regression needs two different values (shift-click adds the opposite).";
    return null;
  }
  const classes = [...new Set(points.map((p) => p[2]))];
  if (!classes.length) return "Add points of both classes: click adds the chosen class, shift-click the other one.";
  if (classes.length < 2) return `Add points of both classes: so far only class ${classes[0]} (shift-click adds the other class).`;
  return null;
}

async function applyPoints() {
  const problem = pointsProblem(custom.points);
  const missing = missingPoints(custom.points, problem);
  if (missing) { pendingPoints(missing); return; }
  const update = { dataset: "custom", points: custom.points, problem };
  if (problem !== "regression" && config.loss === "mse" && config.problem === "regression") update.loss = "cross_entropy";
  custom.pending = false;
  const answer = await change(update);
  if (!answer) { pendingPoints(`The server did not take these points: ${$("error").textContent}`); return; }
  showPointsStatus();
}

// The points are not a data set yet: a blank plane with them, no training, a sentence.
function pendingPoints(missing) {
  custom.pending = true;
  custom.missing = missing;
  showPointsStatus();
  showTransport();
  writeUrl();
  drawPlanes();
  drawPlaneAxes(custom.bounds);
}

function showPointsStatus() {
  const drawing = config.dataset === "custom" || Boolean(custom);
  const missing = customDraft() ? custom.missing : null;
  $("points-status").textContent = missing || (drawing && custom ? `${custom.points.length} points.` : "");
  $("points-status").classList.toggle("missing", Boolean(missing));
  $("points-undo").disabled = !custom || !custom.undo.length;
  $("points-clear").disabled = !custom || !custom.points.length;
  $("points-undo").hidden = $("points-clear").hidden = !drawing;
  $("points-copy").hidden = drawing || !data;
  $("paint-hint").textContent = drawing ? paintHint()
    : "Choose dataset custom to draw your own points on a blank plane.";
}

function paintHint() {
  const label = Number($("paint-label").value);
  return `Click: ${labelName(label)}. Shift-click: ${labelName(otherLabel(label))}.`;
}

function labelName(label) { return config.problem === "regression" ? `value ${label}` : `class ${label}`; }

// Shift-click's label: the other of two classes, the next of several, the opposite value.
function otherLabel(label) {
  if (config.problem === "regression") return -label;
  const count = $("paint-label").options.length;
  return config.problem === "binary" || count <= 2 ? 1 - Math.min(label, 1) : (label + 1) % count;
}

function drawDraftPlane(canvas) {
  const context = canvas.getContext("2d"), [x0, x1, y0, y1] = custom.bounds;
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.strokeStyle = "#e8eaed"; context.lineWidth = 1;
  for (const v of niceTicks(x0, x1, 5).values) {
    const px = Math.round((v - x0) / (x1 - x0) * canvas.width) + 0.5;
    context.beginPath(); context.moveTo(px, 0); context.lineTo(px, canvas.height); context.stroke();
  }
  for (const v of niceTicks(y0, y1, 5).values) {
    const py = Math.round((y1 - v) / (y1 - y0) * canvas.height) + 0.5;
    context.beginPath(); context.moveTo(0, py); context.lineTo(canvas.width, py); context.stroke();
  }
  const regression = config.problem === "regression";
  const values = custom.points.map((p) => p[2]);
  const range = regression ? [Math.min(-1, ...values), Math.max(1, ...values)] : null;
  drawPoints(context, canvas, custom.bounds, [[custom.points, false]], range);
}

function addPoint(event) {
  if (!data) return;
  if (!custom) {
    if (config.dataset !== "custom") {
      setStatus("Choose dataset custom (or press \u201cDraw on these points\u201d) to draw points.");
      return;
    }
    custom = { points: config.points, undo: [], bounds: data.bounds, pending: false };
  }
  const bounds = custom.pending ? custom.bounds : data.bounds;
  const [x, y] = planeCoordinates(event, bounds);
  const chosen = Number($("paint-label").value);
  const label = event.shiftKey ? otherLabel(chosen) : chosen;
  if (custom.points.length >= options.limits.points) {
    showError(`at most ${options.limits.points} points can be added by hand.`); return;
  }
  editPoints([...custom.points, [round(x), round(y), label]]);
}

function planeCoordinates(event, [x0, x1, y0, y1]) {
  const box = $("plane").getBoundingClientRect();
  return [x0 + (event.clientX - box.left) / box.width * (x1 - x0),
          y1 - (event.clientY - box.top) / box.height * (y1 - y0)];
}

const round = (v) => Math.round(v * 1000) / 1000;

function copyPoints() {
  const all = data.train.concat(data.test);
  const points = all.slice(0, options.limits.points).map(([x, y, label]) => [round(x), round(y), label]);
  startCustom(points);
  if (all.length > points.length) setStatus(`Kept the first ${points.length} of ${all.length} points.`);
}

// ---------------------------------------------------------------- CSV
function pointsCsv() {
  const regression = data.problem === "regression";
  const rows = custom ? custom.points.map(([x, y, label]) => [x, y, label])
    : data.train.concat(data.test).map(([x, y, label]) =>
      [x, y, regression ? label : className(data.classes[label])]);
  return ["x1,x2,label", ...rows.map((row) => row.join(","))].join("\n") + "\n";
}

function downloadCsv() {
  const url = URL.createObjectURL(new Blob([pointsCsv()], { type: "text/csv" }));
  const link = el("a", { href: url, download: custom ? "my_points.csv" : `${config.dataset}_points.csv` });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------- compact links
// pts=<count>*<x min>*<y min>*<x bits>*<y bits>*<label bits>_<labels, *-separated>_<bits as
// base64url> (characters a URL carries as they are):
// coordinates are whole thousandths (as clicked), stored as offsets from their minimum in
// as few bits as their range needs; labels as indices into the list of labels used.
function encodePoints(points) {
  const xs = points.map((p) => Math.round(p[0] * 1000)), ys = points.map((p) => Math.round(p[1] * 1000));
  const labels = [...new Set(points.map((p) => p[2]))];
  const xMin = Math.min(...xs), yMin = Math.min(...ys);
  const bits = (n) => (n > 0 ? Math.floor(Math.log2(n)) + 1 : 0);
  const xBits = bits(Math.max(...xs) - xMin), yBits = bits(Math.max(...ys) - yMin), lBits = bits(labels.length - 1);
  const writer = bitWriter();
  points.forEach((p, k) => {
    writer.put(xs[k] - xMin, xBits); writer.put(ys[k] - yMin, yBits); writer.put(labels.indexOf(p[2]), lBits);
  });
  return `${[points.length, xMin, yMin, xBits, yBits, lBits].join("*")}_${labels.join("*")}_${writer.base64url()}`;
}

function decodePoints(text) {
  const [head, labelText, payload = ""] = splitOnce(text, "_", 2);
  const [count, xMin, yMin, xBits, yBits, lBits] = head.split("*").map(Number);
  const labels = labelText.split("*").map(Number);
  if (![count, xMin, yMin, xBits, yBits, lBits].every(Number.isInteger) || labels.some(Number.isNaN)) {
    throw new Error("pts: not a points link");
  }
  const reader = bitReader(payload), points = [];
  for (let k = 0; k < count; k++) {
    const x = (reader.take(xBits) + xMin) / 1000, y = (reader.take(yBits) + yMin) / 1000;
    points.push([x, y, labels[reader.take(lBits)]]);
  }
  return points;
}

function splitOnce(text, separator, times) {
  const parts = [];
  let rest = text;
  for (let k = 0; k < times; k++) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    parts.push(rest.slice(0, at)); rest = rest.slice(at + 1);
  }
  return [...parts, rest];
}

function bitWriter() {
  const out = [];
  let current = 0, filled = 0;
  return {
    put(value, width) {
      for (let b = width - 1; b >= 0; b--) {
        current = (current << 1) | (Math.floor(value / 2 ** b) & 1);
        if (++filled === 8) { out.push(current); current = 0; filled = 0; }
      }
    },
    base64url() {
      const all = filled ? [...out, current << (8 - filled)] : out;
      return btoa(String.fromCharCode(...all)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    },
  };
}

function bitReader(text) {
  const raw = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  let position = 0;
  return {
    take(width) {
      let value = 0;
      for (let b = 0; b < width; b++, position++) {
        const bit = (raw.charCodeAt(position >> 3) >> (7 - (position & 7))) & 1;
        value = value * 2 + bit;
      }
      return value;
    },
  };
}
