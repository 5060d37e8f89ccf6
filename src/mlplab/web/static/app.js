// The mlplab playground page. The server trains; this script draws what it sends.
// State: `config` (the whole setup, mirrored in the URL), the last `data` message
// (points, layer sizes) and the last `frame` (output image, neurons, weights, scores).
// Elements are built with el()/svg(), never parsed from strings: whatever the server sends
// (class names from an uploaded CSV, messages, names) lands in the page as text.
"use strict";

const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
// URL keys: short names for the config's fields (and two page-only settings).
const URL_KEYS = {
  dataset: "data", n_samples: "n", noise: "noise", n_classes: "classes", test_ratio: "test",
  seed: "seed", features: "features", problem: "problem", loss: "loss", dropout: "dropout",
  optimizer: "opt", learning_rate: "lr", l1: "l1", l2: "l2", batch_size: "batch",
  epochs_per_frame: "speed", stop_epochs: "stop", stop_loss: "stoploss", baseline: "baseline",
  resolution: "res",
};

// `palette` comes from the server with the options (mlplab.viz.style.palette): class colours,
// the two ends of two-sided pictures, the neutral white and how deep output colours go.
let options, palette, config, sessionId, socket, data, frame;
let view = { showTest: false, discretize: false, hide: [] };
let curves = { epoch: [], train: [], test: [] };
let selectedLink = null;

const $ = (id) => document.getElementById(id);

// An element with attributes and children; a string child becomes a text node.
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

function option(value, label = value) {
  const element = el("option", {}, String(label));
  element.value = String(value);
  return element;
}

// ---------------------------------------------------------------- start
async function start() {
  options = await (await fetch("/api/options")).json();
  palette = options.palette;
  fillSelects();
  config = readUrl(structuredClone(options.defaults));
  let created = await api("POST", "/api/sessions", config);
  if (!created) {  // the link's setup was refused: start from the defaults, and say why
    const refusal = $("error").textContent;
    config = structuredClone(options.defaults);
    created = await api("POST", "/api/sessions", config);
    showError(`This link's setup was refused, so the page starts from the defaults: ${refusal}`);
  }
  sessionId = created.id;
  config = created.config;
  for (const kind of ["model", "script", "gif"]) {
    $(`export-${kind}`).href = `/api/sessions/${sessionId}/export/${kind}`;
  }
  bindControls();
  showControls();
  onData(created.data);
  onFrame(created.frame);
  connect();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/${sessionId}`);
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "frame") onFrame(message);
    else if (message.type === "data") onData(message);
    else if (message.type === "error") showError(message.message);
  };
  socket.onclose = () => setStatus("Connection closed: reload the page to go on.");
}

function send(type, detail = {}) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type, ...detail }));
  }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method, headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(answer.detail || `${response.status} ${response.statusText}`);
    return null;
  }
  showError(null);
  return answer;
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = !text ? "" : typeof text === "string" ? text : JSON.stringify(text);
}

function setStatus(text) { $("status").textContent = text || ""; }

// ---------------------------------------------------------------- controls
function fillSelects() {
  const fill = (select, values, label = (v) => v) => {
    select.replaceChildren(...values.map((v) => option(v, label(v))));
  };
  fill($("dataset"), options.datasets, (v) => v === "custom" ? "custom (click to add)" : v);
  fill($("optimizer"), options.optimizers, (v) => v === "momentum" ? "SGD + momentum" : v);
  fill($("learning_rate"), LEARNING_RATES);
}

function bindControls() {
  const numeric = ["noise", "n_classes", "n_samples", "test_ratio", "seed", "l1", "l2",
                   "dropout", "batch_size", "epochs_per_frame", "learning_rate"];
  for (const id of numeric) {
    $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }));
    $(id).addEventListener("input", () => showValues());
  }
  for (const id of ["dataset", "problem", "loss", "optimizer", "baseline"]) {
    $(id).addEventListener("change", () => change(guessProblem({ [id]: $(id).value })));
  }
  $("stop_epochs").addEventListener("change", () =>
    change({ stop_epochs: $("stop_epochs").value ? Number($("stop_epochs").value) : null }));
  $("stop_loss").addEventListener("change", () =>
    change({ stop_loss: $("stop_loss").value ? Number($("stop_loss").value) : null }));
  $("show-test").addEventListener("change", () => {
    view.showTest = $("show-test").checked; writeUrl(); drawPlanes();
  });
  $("discretize").addEventListener("change", () => {
    view.discretize = $("discretize").checked; writeUrl(); drawPlanes();
  });
  $("add-layer").addEventListener("click", () => {
    if (config.layers.length >= options.limits.layers) return;
    const last = config.layers[config.layers.length - 1] || { units: 4, activation: "tanh" };
    change({ layers: [...config.layers, { units: 2, activation: last.activation }] });
  });
  $("remove-layer").addEventListener("click", () => {
    if (config.layers.length) change({ layers: config.layers.slice(0, -1) });
  });
  $("play").addEventListener("click", () => send(frame && frame.playing ? "pause" : "play"));
  $("step").addEventListener("click", () => send("step"));
  $("reset").addEventListener("click", () => { send("reset"); });
  $("diverged-reset").addEventListener("click", () => { send("reset"); });
  $("upload").addEventListener("change", upload);
  $("hidden-layer").addEventListener("change", () => {
    const value = $("hidden-layer").value;
    send("hidden", { layer: value === "off" ? null : Number(value) });
  });
  $("plane").addEventListener("click", addPoint);
  $("weight-set").addEventListener("click", setWeight);
  $("weight-value").addEventListener("keydown", (e) => { if (e.key === "Enter") setWeight(); });
  $("weight-close").addEventListener("click", closeWeightEditor);
  $("share").addEventListener("click", (event) => {
    event.preventDefault();
    navigator.clipboard?.writeText(location.href);
    setStatus("The link of this setup is in the address bar (and copied).");
  });
}

// The problem follows the data: real-valued targets mean regression, more than two classes
// mean multi-class. The user can still choose, and the server says when a choice cannot work.
function guessProblem(update) {
  if (update.dataset) {
    if (options.regression_datasets.includes(update.dataset)) {
      update.problem = "regression"; update.loss = "mse";
    } else if (config.problem === "regression") {
      update.problem = "binary"; update.loss = "cross_entropy";
    }
    if (options.with_classes.includes(update.dataset) && update.dataset !== "blobs"
        && config.n_classes > 2) update.problem = "multiclass";
    if (update.dataset === "blobs" && config.n_classes > 2) update.problem = "multiclass";
    if (["moons", "circles", "xor", "checkerboard"].includes(update.dataset)) {
      update.problem = "binary";
    }
  }
  if (update.problem === "regression") update.loss = "mse";
  return update;
}

async function change(update) {
  const next = { ...config, ...update };
  const answer = await api("PUT", `/api/sessions/${sessionId}/config`, next);
  if (!answer) { showControls(); return; }  // refused: the controls go back
  config = answer.config;
  writeUrl();
  showControls();
  onData(answer.data);
  onFrame(answer.frame);
}

function showControls() {
  for (const id of ["dataset", "noise", "n_classes", "n_samples", "test_ratio", "seed", "problem",
                    "loss", "optimizer", "l1", "l2", "dropout", "batch_size", "epochs_per_frame",
                    "baseline"]) {
    $(id).value = config[id];
  }
  $("learning_rate").value = String(config.learning_rate);
  if ($("learning_rate").value !== String(config.learning_rate)) {  // a rate not in the list
    $("learning_rate").append(option(config.learning_rate));
    $("learning_rate").value = String(config.learning_rate);
  }
  $("stop_epochs").value = config.stop_epochs ?? "";
  $("stop_loss").value = config.stop_loss ?? "";
  $("show-test").checked = view.showTest;
  $("discretize").checked = view.discretize;
  $("noise").disabled = !options.noisy.includes(config.dataset);
  $("n_classes").disabled = !options.with_classes.includes(config.dataset);
  $("layer-count").textContent = `${config.layers.length} hidden layer${config.layers.length === 1 ? "" : "s"}`;
  const labels = config.problem === "regression" ? ["-1", "0", "1"]
    : [...Array(config.problem === "binary" ? 2 : config.n_classes).keys()].map(String);
  const previous = $("paint-label").value;
  const kind = config.problem === "regression" ? "value" : "class";
  $("paint-label").replaceChildren(...labels.map((l) => option(l, `${kind} ${l}`)));
  if (labels.includes(previous)) $("paint-label").value = previous;
  for (const element of document.querySelectorAll("[data-control]")) {
    element.classList.toggle("hidden-control", view.hide.includes(element.dataset.control));
  }
  showValues();
}

function showValues() {
  $("noise-value").textContent = $("noise").value;
  $("classes-value").textContent = $("n_classes").value;
  $("samples-value").textContent = $("n_samples").value;
  $("test-value").textContent = `${Math.round(100 * $("test_ratio").value)}%`;
  $("dropout-value").textContent = $("dropout").value;
  $("batch-value").textContent = $("batch_size").value;
}

async function upload() {
  const file = $("upload").files[0];
  if (!file) return;
  if (file.size > options.limits.upload_bytes) {
    showError(`upload: the file has ${file.size} bytes; the limit is ${options.limits.upload_bytes}.`);
    return;
  }
  const response = await fetch(`/api/sessions/${sessionId}/upload`, {
    method: "POST", headers: { "Content-Type": "text/csv" }, body: file,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { showError(answer.detail || `${response.status} ${response.statusText}`); return; }
  const problem = answer.task === "regression" ? "regression"
    : answer.classes.length > 2 ? "multiclass" : "binary";
  change({ dataset: "upload", problem, loss: problem === "regression" ? "mse" : config.loss });
  setStatus(`Uploaded ${answer.points} points (${answer.task}).`);
}

function addPoint(event) {
  if (config.dataset !== "custom") {
    if (!data) return;
    // Start a custom data set from the current points, so a click adds to what is shown.
    const points = data.train.concat(data.test).slice(0, options.limits.points - 1);
    config.points = points;
  }
  const [x, y] = planeCoordinates(event);
  const label = Number($("paint-label").value);
  const points = [...config.points, [round(x), round(y), label]];
  if (points.length > options.limits.points) {
    showError(`at most ${options.limits.points} points can be added by hand.`); return;
  }
  change({ dataset: "custom", points });
}

function planeCoordinates(event) {
  const box = $("plane").getBoundingClientRect();
  const [x0, x1, y0, y1] = data.bounds;
  return [x0 + (event.clientX - box.left) / box.width * (x1 - x0),
          y1 - (event.clientY - box.top) / box.height * (y1 - y0)];
}

const round = (v) => Math.round(v * 1000) / 1000;

// ---------------------------------------------------------------- URL
function readUrl(base) {
  const params = new URLSearchParams(location.search);
  for (const [field, key] of Object.entries(URL_KEYS)) {
    if (!params.has(key)) continue;
    const text = params.get(key);
    if (field === "features") base.features = text.split(",").filter(Boolean);
    else if (["dataset", "problem", "loss", "optimizer", "baseline"].includes(field)) base[field] = text;
    else base[field] = text === "" ? null : Number(text);
  }
  if (params.has("layers")) {
    base.layers = params.get("layers").split(",").filter(Boolean).map((part) => {
      const [units, activation] = part.split(":");
      return { units: Number(units), activation: activation || "tanh" };
    });
  }
  if (params.has("points")) {
    base.points = params.get("points").split(";").filter(Boolean).map((p) => p.split(",").map(Number));
  }
  view.showTest = params.get("showtest") === "1";
  view.discretize = params.get("discretize") === "1";
  view.hide = (params.get("hide") || "").split(",").filter(Boolean);
  return base;
}

function writeUrl() {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(URL_KEYS)) {
    const value = config[field];
    if (JSON.stringify(value) === JSON.stringify(options.defaults[field])) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : value ?? "");
  }
  if (JSON.stringify(config.layers) !== JSON.stringify(options.defaults.layers)) {
    params.set("layers", config.layers.map((l) => `${l.units}:${l.activation}`).join(","));
  }
  if (config.dataset === "custom") params.set("points", config.points.map((p) => p.join(",")).join(";"));
  if (view.showTest) params.set("showtest", "1");
  if (view.discretize) params.set("discretize", "1");
  if (view.hide.length) params.set("hide", view.hide.join(","));
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

// ---------------------------------------------------------------- messages
function onData(message) {
  const fresh = !data || message.version !== data.version;  // a new network, not a repeat
  data = message;
  if (fresh) {
    curves = { epoch: [], train: [], test: [] };
    closeWeightEditor();
  }
  buildNetwork();
  $("baseline-figure").hidden = !message.baseline;
  if (message.baseline) {
    const b = message.baseline;
    const score = (v) => v === undefined ? "–" : v.toFixed(3);
    $("baseline-caption").textContent =
      `${b.name.replace("_", " ")}: ${b.metric} ${score(b.train_score)} train, ${score(b.test_score)} test`;
  }
  $("metric-name").textContent = message.problem === "regression" ? "R²" : "accuracy";
  fillHiddenLayers(message.layers.length - 1);
}

// The hidden-space view's choices: off, every layer (the last is the output). The server
// keeps the choice across a rebuild while the network still has that layer.
function fillHiddenLayers(count) {
  const select = $("hidden-layer"), previous = select.value;
  select.replaceChildren(option("off", "nothing (off)"), ...[...Array(count).keys()].map(
    (k) => option(k + 1, k + 1 === count ? "the output" : `hidden layer ${k + 1}`)));
  select.value = Number(previous) <= count ? previous : "off";
}

function onFrame(message) {
  if (data && message.version !== data.version) return;  // a frame of a network since replaced
  frame = message;
  $("epoch").textContent = message.epoch.toLocaleString("en");
  $("play").textContent = message.playing ? "\u275A\u275A Pause" : "\u25B6 Play";
  showDivergence(message.diverged);
  const fmt = (v) => v === null || v === undefined ? "–" : v.toFixed(3);
  $("train-loss").textContent = fmt(message.train_loss);
  $("test-loss").textContent = fmt(message.test_loss);
  $("train-metric").textContent = fmt(message.train_metric);
  $("test-metric").textContent = fmt(message.test_metric);
  const last = curves.epoch[curves.epoch.length - 1];
  if (last === undefined || message.epoch > last) {
    curves.epoch.push(message.epoch); curves.train.push(message.train_loss);
    curves.test.push(message.test_loss);
  }
  setStatus(message.interrupted ? `Cut short: ${message.interrupted}`
    : message.stopped ? `Stopped: ${message.stopped}.` : "");
  drawPlanes();
  drawNeurons();
  drawLinks();
  drawCurves();
  drawConfusion();
  drawHidden(message.hidden);
}

// A diverged network trains no more until it is reset: the banner says why, offers Reset.
function showDivergence(text) {
  $("diverged").hidden = !text;
  $("diverged-text").textContent = text || "";
  $("play").disabled = Boolean(text);
  $("step").disabled = Boolean(text);
}

// ---------------------------------------------------------------- drawing
function bytes(base64) {
  const text = atob(base64), out = new Uint8Array(text.length);
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

function outputPixels(image) {
  const n = image.size, rgb = outputColors(image, view.discretize);
  const rgba = new Uint8ClampedArray(n * n * 4);
  for (let i = 0; i < n * n; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], i * 4);
  return new ImageData(rgba, n, n);
}

function drawImage(canvas, imageData) {
  const buffer = document.createElement("canvas");
  buffer.width = imageData.width; buffer.height = imageData.height;
  buffer.getContext("2d").putImageData(imageData, 0, 0);
  const context = canvas.getContext("2d");
  context.imageSmoothingEnabled = true;
  context.drawImage(buffer, 0, 0, canvas.width, canvas.height);
  return context;
}

function drawPlanes() {
  if (!frame || !data) return;
  drawPlane($("plane"), frame.output);
  if (data.baseline) drawPlane($("baseline-plane"), data.baseline.output);
}

function drawPlane(canvas, image) {
  const context = drawImage(canvas, outputPixels(image));
  const [x0, x1, y0, y1] = data.bounds;
  const radius = canvas.width > 200 ? 3.5 : 2.2;
  const sets = [[data.train, false]];
  if (view.showTest) sets.push([data.test, true]);
  for (const [points, isTest] of sets) {
    for (const [x, y, label] of points) {
      const px = (x - x0) / (x1 - x0) * canvas.width, py = (y1 - y) / (y1 - y0) * canvas.height;
      const color = labelColor(label, data.problem === "regression" ? data.y_range : null);
      context.beginPath();
      context.arc(px, py, radius, 0, 2 * Math.PI);
      context.fillStyle = css(color);
      context.fill();
      context.lineWidth = isTest ? 1.5 : 1;
      // A regression's points fade into white mid-range: a grey ring keeps them in sight.
      const ring = data.problem === "regression" ? "#80868b" : "#ffffff";
      context.strokeStyle = isTest ? "#202124" : ring;
      context.stroke();
    }
  }
}

function buildNetwork() {
  const columns = $("columns");
  columns.replaceChildren();
  const widths = data.layers;
  // Inputs: every feature the page offers; the chosen ones are lit and wired.
  const inputs = column("inputs", "Features");
  for (const name of options.features) {
    const on = config.features.includes(name);
    const box = neuronBox(inputs, on ? `in-${config.features.indexOf(name)}` : null, name);
    box.classList.toggle("off", !on);
    box.title = on ? `${name}: click to drop this input` : `${name}: click to add this input`;
    box.addEventListener("click", () => toggleFeature(name));
  }
  columns.appendChild(inputs);
  config.layers.forEach((layer, index) => {
    const col = column("hidden", "");
    const minus = el("button", { title: "Remove a neuron" }, "\u2212");
    const plus = el("button", { title: "Add a neuron" }, "+");
    const activation = el("select", { title: "Activation of this layer" },
                          ...options.activations.map((a) => option(a)));
    activation.value = layer.activation;
    col.querySelector(".head").append(el("div", {}, minus, ` ${layer.units} `, plus), activation);
    minus.addEventListener("click", () => setUnits(index, layer.units - 1));
    plus.addEventListener("click", () => setUnits(index, layer.units + 1));
    activation.addEventListener("change", (e) => {
      const layers = structuredClone(config.layers);
      layers[index].activation = e.target.value;
      change({ layers });
    });
    for (let j = 0; j < widths[index + 1]; j++) neuronBox(col, `n-${index + 1}-${j}`);
    columns.appendChild(col);
  });
  const out = column("output", "Output");
  for (let j = 0; j < widths[widths.length - 1]; j++) neuronBox(out, `n-${widths.length - 1}-${j}`);
  columns.appendChild(out);
}

function column(kind, title) {
  return el("div", { class: `column ${kind}` }, el("div", { class: "head" }, title));
}

function neuronBox(parent, id, name) {
  const box = el("div", { class: "neuron" }, el("canvas", { width: "24", height: "24" }));
  if (id) box.id = id;
  if (name) box.append(el("span", { class: "name" }, name));
  parent.appendChild(box);
  return box;
}

function toggleFeature(name) {
  const chosen = config.features.includes(name)
    ? config.features.filter((f) => f !== name) : [...config.features, name];
  if (!chosen.length) { showError("keep at least one input feature."); return; }
  change({ features: chosen });
}

function setUnits(index, units) {
  if (units < 1 || units > options.limits.units) return;
  const layers = structuredClone(config.layers);
  layers[index].units = units;
  change({ layers });
}

function drawNeurons() {
  const thumbnails = frame.neurons;
  const lastLayer = data.layers.length - 1;
  thumbnails.layers.forEach((layer, l) => {
    if (l === lastLayer && data.layers[l] === 1) return;  // drawn from the full output below
    layer.forEach((neuron, j) => {
      const box = $(l === 0 ? `in-${j}` : `n-${l}-${j}`);
      if (!box) return;
      const n = thumbnails.size, rgba = new Uint8ClampedArray(n * n * 4), values = bytes(neuron.values);
      const classOutput = l === lastLayer;  // several classes: its class's probability
      const scale = neuron.scale ?? 0;  // null: not a number
      const classColor = palette.classes[j % palette.classes.length];
      for (let i = 0; i < n * n; i++) {
        const c = classOutput
          ? outputColor(classColor, Math.max(0, (values[i] / 255 * 2 - 1) * scale))
          : diverging(values[i] / 255);
        rgba.set([c[0], c[1], c[2], 255], i * 4);
      }
      drawImage(box.querySelector("canvas"), new ImageData(rgba, n, n));
      const largest = neuron.scale === null ? "not a number" : neuron.scale.toPrecision(3);
      box.title = `${box.title.split("\n")[0]}\nlargest |activation| ${largest}`;
    });
  });
  // A single output neuron shows the network's output as the main picture does; with
  // several classes each output neuron shows its class's probability (its thumbnail).
  const last = data.layers.length - 1;
  if (data.layers[last] === 1) {
    const box = $(`n-${last}-0`);
    if (box) drawImage(box.querySelector("canvas"), outputPixels(frame.output));
  }
}

function centre(element, container) {
  const a = element.getBoundingClientRect(), b = container.getBoundingClientRect();
  return [a.left - b.left + a.width / 2, a.top - b.top + a.height / 2, a.width / 2];
}

function drawLinks() {
  const network = $("network");
  const weights = frame.weights;  // a weight that is not a number arrives as null
  let biggest = 1e-9;
  for (const layer of weights) for (const row of layer.kernel) for (const w of row) biggest = Math.max(biggest, Math.abs(w ?? 0));
  const paths = [];
  weights.forEach((layer, l) => {
    layer.kernel.forEach((row, i) => {
      const from = $(l === 0 ? `in-${i}` : `n-${l}-${i}`);
      row.forEach((w, j) => {
        const to = $(`n-${l + 1}-${j}`);
        if (!from || !to) return;
        const [x0, y0, r0] = centre(from, network), [x1, y1, r1] = centre(to, network);
        const d = `M${x0 + r0},${y0} C${(x0 + x1) / 2},${y0} ${(x0 + x1) / 2},${y1} ${x1 - r1},${y1}`;
        const color = w === null ? "#9aa0a6" : css(palette.diverging[w >= 0 ? 1 : 0]);
        const width = w === null ? 0.5 : 0.5 + 5 * Math.abs(w) / biggest;
        const key = `${l}-${i}-${j}`;
        const selected = selectedLink && selectedLink.key === key ? " selected" : "";
        const hit = svg("path", { class: "hit", d, "data-key": key },
                        svg("title", {}, w === null ? "weight not a number" : `weight ${w.toFixed(3)}`));
        hit.addEventListener("click", () => openWeightEditor(key));
        paths.push(hit, svg("path", { class: `link${selected}`, d, stroke: color,
                                      "stroke-width": width.toFixed(2), "stroke-opacity": "0.8",
                                      "pointer-events": "none" }));
      });
    });
  });
  $("links").replaceChildren(...paths);
}

function openWeightEditor(key) {
  const [l, i, j] = key.split("-").map(Number);
  selectedLink = { key, layer: l, source: i, target: j };
  const name = l === 0 ? config.features[i] : `neuron ${i + 1} of layer ${l}`;
  $("weight-label").textContent = `weight from ${name} to neuron ${j + 1} of layer ${l + 1}`;
  $("weight-value").value = frame.weights[l].kernel[i][j];
  $("weight-editor").hidden = false;
  $("weight-value").focus();
  drawLinks();
}

function closeWeightEditor() {
  selectedLink = null;
  $("weight-editor").hidden = true;
}

async function setWeight() {
  if (!selectedLink) return;
  const answer = await api("PUT", `/api/sessions/${sessionId}/weight`, {
    layer: selectedLink.layer, source: selectedLink.source, target: selectedLink.target,
    value: Number($("weight-value").value),
  });
  if (answer) onFrame(answer);
}

function drawCurves() {
  const canvas = $("curves"), context = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 4;
  context.clearRect(0, 0, w, h);
  const values = curves.train.concat(curves.test).filter((v) => v !== null && Number.isFinite(v));
  if (curves.epoch.length < 2 || !values.length) return;
  const top = Math.max(...values) * 1.05 || 1, last = curves.epoch[curves.epoch.length - 1] || 1;
  const first = curves.epoch[0];
  for (const [series, color] of [[curves.train, "#9aa0a6"], [curves.test, "#202124"]]) {
    context.beginPath();
    let started = false;
    series.forEach((v, k) => {
      if (v === null) return;
      const x = pad + (curves.epoch[k] - first) / ((last - first) || 1) * (w - 2 * pad);
      const y = h - pad - v / top * (h - 2 * pad);
      if (started) context.lineTo(x, y); else { context.moveTo(x, y); started = true; }
    });
    context.strokeStyle = color; context.lineWidth = 1.5; context.stroke();
  }
  context.fillStyle = "#5f6368"; context.font = "11px system-ui";
  context.fillText(top.toPrecision(2), pad + 2, 12);
}

function drawConfusion() {
  const target = $("confusion");
  if (!frame.confusion) { target.replaceChildren(); return; }
  const names = data.classes;  // from the data: an uploaded CSV's labels, shown as text
  const header = el("tr", {}, el("th"), ...names.map((name) => el("th", {}, name)));
  const rows = frame.confusion.map((row, i) =>
    el("tr", {}, el("th", {}, names[i]), ...row.map((v) => el("td", {}, String(v)))));
  const part = data.test.length ? "test" : "train";
  target.replaceChildren(
    el("div", { class: "caption" },
       `Confusion matrix (${part} data): rows true class, columns predicted`),
    el("table", {}, header, ...rows));
}

// ---------------------------------------------------------------- hidden space
// The training points and the lines of a regular grid of the plane, as layer k sees them
// (mlplab.viz.hidden_space computes them on the server): 2 coordinates, or 1 for a layer
// of one unit, drawn on a number line with a row per class. hiddenStats counts the draws
// and their time, for the browser test of the view's frame rate.
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
    context.beginPath();
    context.arc(x, y, 3, 0, 2 * Math.PI);
    context.fillStyle = css(labelColor(label, data.problem === "regression" ? data.y_range : null));
    context.fill();
    context.strokeStyle = "#ffffff"; context.lineWidth = 1; context.stroke();
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

window.addEventListener("resize", () => { if (frame) drawLinks(); });
start().catch((error) => showError(`The page could not start: ${error}`));
