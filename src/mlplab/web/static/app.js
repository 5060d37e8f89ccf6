// The mlplab playground page. The server trains; this script draws what it sends.
// State: `config` (the whole setup, mirrored in the URL), the last `data` message
// (points, layer sizes) and the last `frame` (output image, neurons, weights, scores).
// Elements are built with el()/svg(), never parsed from strings: whatever the server sends
// (class names from an uploaded CSV, messages, names) lands in the page as text.
// The page's parts: draw.js (colours, the plane, axes, the loss chart), network.js (the
// network panel), points.js (own data), hidden.js (the hidden-space view). Colours come
// from the server: options.palette and options.palettes (mlplab.viz.style).
//
// help keys (data-help, for help.js; elements without one are known by their id):
//   feature-x1 feature-x2 feature-x1-squared feature-x2-squared feature-x1-times-x2
//   feature-sin-x1 feature-sin-x2 (the input neurons), neuron (a hidden neuron),
//   output-neuron, neuron-tiles (a collapsed layer's block of tiles and its "64 relu"),
//   layer-units, activation, layer-collapse, links (the lines; one canvas for large
//   nets), link (one clickable weight), link-legend, network,
//   plane, plane-axes, plane-legend, baseline-plane, hidden-space, scores, loss-chart,
//   loss-legend, confusion, points-undo, points-clear, points-copy, points-csv,
//   points-status; ids of the new elements: palette, diverged-title, diverged-lower,
//   drawing, paint-hint, network-scroll, plane-xticks, plane-yticks.
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
const TEXT_FIELDS = ["dataset", "problem", "loss", "optimizer", "baseline"];

// `palette` comes from the server with the options (mlplab.viz.style.palette): class colours,
// the two ends of two-sided pictures, the neutral white and how deep output colours go.
let options, palette, config, sessionId, socket, data, frame;
let view = { showTest: false, discretize: false, hide: [], collapse: {}, palette: "standard" };
let curves = { epoch: [], train: [], test: [] };
let selectedLink = null;
let starting = false;  // Play was pressed, no frame of the playing net yet
const mlplabStats = { framesReceived: 0, framesDrawn: 0, drawMilliseconds: 0 };
window.mlplabStats = mlplabStats;

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
let ready;
const readyPromise = new Promise((resolve) => { ready = resolve; });

async function start() {
  setStatus("Connecting to the playground\u2026");
  options = await (await fetch("/api/options")).json();
  fillSelects();
  const fromLink = readUrl(structuredClone(options.defaults));
  usePalette(view.palette);
  const drawn = fromLink.dataset === "custom" && missingPoints(fromLink.points, pointsProblem(fromLink.points, fromLink.problem))
    ? fromLink.points : null;  // a link's drawing that is not a data set yet: drawn, not sent
  if (drawn) Object.assign(fromLink, { dataset: options.defaults.dataset, points: [] });
  setStatus("Building the data and the network\u2026");
  const created = await createSession(fromLink);
  if (!created) return;
  sessionId = created.id;
  config = created.config;
  for (const kind of ["model", "script", "gif"]) {
    $(`export-${kind}`).href = `/api/sessions/${sessionId}/export/${kind}`;
  }
  bindControls();
  showControls();
  onData(created.data);
  onFrame(created.frame);
  setStatus("");
  if (drawn) { config.dataset = "custom"; startCustom(drawn); showControls(); }
  writeUrl();
  connect();
  ready();
}

// A new session for the link's setup. A refused part of the link (the server's 422 names
// it, "<field>: <problem>") goes back to its default, or, for a problem that does not fit
// the data, to the problem the data needs; the rest of the link is kept and the page says
// what it changed and why.
async function createSession(wanted) {
  const notes = [];
  let attempt = wanted;
  for (let tries = 0; tries < 8; tries++) {
    const { ok, status, answer } = await request("POST", "/api/sessions", attempt);
    if (ok) {
      showError(notes.length ? `Part of this link was refused, so the page changed it. ${notes.join(" ")}` : null);
      return answer;
    }
    const detail = typeof answer.detail === "string" ? answer.detail : `${status} ${JSON.stringify(answer.detail)}`;
    if (status !== 422) {  // e.g. 503: the playground is full
      showError(detail);
      setStatus(status === 503 ? "The playground cannot take another page now." : "");
      return null;
    }
    const repaired = repairLink(attempt, detail);
    notes.push(`${detail.replace(/[.\s]*$/, ".")} ${repaired.said}`);
    attempt = repaired.config;
  }
  showError(`This link's setup was refused: ${notes.join(" ")}`);
  return null;
}

function repairLink(attempt, detail) {
  const defaults = options.defaults, next = structuredClone(attempt);
  const fields = new Set();
  for (const part of detail.split("; ")) {
    const named = /^([a-z_0-9]+)(?:\.[\w.]+)?: /.exec(part);
    if (named && named[1] in defaults) fields.add(named[1]);
  }
  const suggested = /choose problem '(\w+)'/.exec(detail) || (/loss 'mse'/.test(detail) && ["", "regression"]);
  if (suggested || fields.has("problem") || fields.has("loss")) {
    fields.delete("problem"); fields.delete("loss");
    const problem = suggested ? suggested[1] : neededProblem(next);
    if (problem && (problem !== next.problem || (problem === "regression") !== (next.loss === "mse"))) {
      next.problem = problem;
      next.loss = problem === "regression" ? "mse" : "cross_entropy";
      return { config: next, said: `The page uses problem '${problem}'.` };
    }
  }
  if (!fields.size && /custom/.test(detail)) fields.add("dataset");
  if (!fields.size) return { config: structuredClone(defaults), said: "The page starts from the defaults." };
  for (const field of fields) {
    next[field] = structuredClone(defaults[field]);
    if (field === "dataset" || field === "points") { next.dataset = defaults.dataset; next.points = []; }
  }
  return { config: next, said: `The page uses the default for ${[...fields].join(", ")}; the rest of the link is kept.` };
}

// The problem a data set needs: regression for real-valued targets, multi-class for more
// than two classes (the same guess the dataset menu makes).
function neededProblem(setup) {
  if (options.regression_datasets.includes(setup.dataset)) return "regression";
  if (options.with_classes.includes(setup.dataset) && setup.n_classes > 2) return "multiclass";
  return "binary";
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const binary = Boolean(window.MlplabFrames && window.MlplabFrames.decode);
  socket = new WebSocket(`${scheme}://${location.host}/ws/${sessionId}${binary ? "?frames=binary" : ""}`);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { sentVisible = null; sendVisible(true); };
  socket.onmessage = (event) => {
    const message = typeof event.data === "string" ? JSON.parse(event.data)
      : window.MlplabFrames.decode(event.data);
    if (message.type === "frame") onFrame(message);
    else if (message.type === "data") onData(message);
    else if (message.type === "error") showError(message.message);
    else if (message.type === "status") setStatus(message.message);
  };
  socket.onclose = () => setStatus("Connection closed: reload the page to go on.");
}

function send(type, detail = {}) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type, ...detail }));
  }
}

async function request(method, path, body) {
  const response = await fetch(path, {
    method, headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!answer.detail && !response.ok) answer.detail = `${response.status} ${response.statusText}`;
  return { ok: response.ok, status: response.status, answer };
}

async function api(method, path, body) {
  const { ok, answer } = await request(method, path, body);
  showError(ok ? null : answer.detail);
  return ok ? answer : null;
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
  fill($("dataset"), options.datasets, (v) => v === "custom" ? "custom (draw your own)" : v);
  fill($("optimizer"), options.optimizers, (v) => v === "momentum" ? "SGD + momentum" : v);
  fill($("learning_rate"), LEARNING_RATES);
}

function bindControls() {
  bindSetupControls();
  bindPageControls();
}

// The controls that change the setup on the server.
function bindSetupControls() {
  const numeric = ["noise", "n_classes", "n_samples", "test_ratio", "seed", "l1", "l2",
                   "dropout", "batch_size", "epochs_per_frame", "learning_rate"];
  for (const id of numeric) {
    $(id).addEventListener("change", () => change({ [id]: Number($(id).value) }));
    $(id).addEventListener("input", () => showValues());
  }
  for (const id of ["problem", "loss", "optimizer", "baseline"]) {
    $(id).addEventListener("change", () => change(guessProblem({ [id]: $(id).value })));
  }
  $("dataset").addEventListener("change", chooseDataset);
  $("stop_epochs").addEventListener("change", () =>
    change({ stop_epochs: $("stop_epochs").value ? Number($("stop_epochs").value) : null }));
  $("stop_loss").addEventListener("change", () =>
    change({ stop_loss: $("stop_loss").value ? Number($("stop_loss").value) : null }));
  $("add-layer").addEventListener("click", () => {
    if (config.layers.length >= options.limits.layers) return;
    const last = config.layers[config.layers.length - 1] || { units: 4, activation: "tanh" };
    change({ layers: [...config.layers, { units: 2, activation: last.activation }] });
  });
  $("remove-layer").addEventListener("click", () => {
    if (config.layers.length) change({ layers: config.layers.slice(0, -1) });
  });
  $("upload").addEventListener("change", upload);
  $("points-undo").addEventListener("click", undoPoints);
  $("points-clear").addEventListener("click", clearPoints);
  $("points-copy").addEventListener("click", copyPoints);
}

// Training, views, exports and keys.
function bindPageControls() {
  $("show-test").addEventListener("change", () => {
    view.showTest = $("show-test").checked; writeUrl(); drawPlanes();
  });
  $("discretize").addEventListener("change", () => {
    view.discretize = $("discretize").checked; writeUrl(); drawPlanes();
  });
  $("palette").addEventListener("change", () => { usePalette($("palette").value); writeUrl(); redrawAll(); });
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", () => send("step"));
  $("reset").addEventListener("click", () => { send("reset"); });
  $("diverged-reset").addEventListener("click", () => { send("reset"); });
  $("diverged-lower").addEventListener("click", lowerRateAndReset);
  $("hidden-layer").addEventListener("change", () => {
    const value = $("hidden-layer").value;
    send("hidden", { layer: value === "off" ? null : Number(value) });
  });
  $("plane").addEventListener("click", addPoint);
  $("paint-label").addEventListener("change", () => showPointsStatus());
  $("points-csv").addEventListener("click", downloadCsv);
  $("weight-set").addEventListener("click", setWeight);
  $("weight-value").addEventListener("keydown", (e) => { if (e.key === "Enter") setWeight(); });
  $("weight-close").addEventListener("click", closeWeightEditor);
  $("share").addEventListener("click", (event) => {
    event.preventDefault();
    navigator.clipboard?.writeText(location.href);
    setStatus("The link of this setup is in the address bar (and copied).");
  });
  $("network").addEventListener("scroll", () => sendVisible(), { passive: true });
  $("columns").addEventListener("pointerover", neuronTitle);
  window.addEventListener("scroll", () => sendVisible(), { passive: true });
  window.addEventListener("resize", () => { if (data) { measureNetwork(); drawLinks(); } });
  document.addEventListener("keydown", shortcut);
  document.addEventListener("keyup", (event) => {  // a focused button would click on keyup
    if ((event.key === " " || event.code === "Space") && !typingIn(event.target)) event.preventDefault();
  });
}

function togglePlay() {
  if (customDraft()) return;
  const playing = frame && frame.playing;
  send(playing ? "pause" : "play");
  if (!playing) {  // until the first frame: say that the server is at work
    starting = true;
    $("play").textContent = "\u23F3 Starting\u2026";
    setStatus("Starting: the server trains the first epochs\u2026");
  }
}

async function lowerRateAndReset() {
  const lower = LEARNING_RATES.filter((rate) => rate <= config.learning_rate / 10 * 1.0001).pop()
    ?? config.learning_rate / 10;
  if (await change({ learning_rate: lower })) send("reset");
}

// Space plays and pauses, Right arrow steps: anywhere but in a field that takes keys.
function shortcut(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (typingIn(event.target)) return;
  if (event.key === " " || event.code === "Space") {
    event.preventDefault();
    if (!$("play").disabled) togglePlay();
  } else if (event.key === "ArrowRight") {
    event.preventDefault();
    if (!$("step").disabled) send("step");
  }
}

function typingIn(target) {
  return Boolean(target.closest && target.closest("input, select, textarea, [contenteditable]"));
}

function chooseDataset() {
  const dataset = $("dataset").value;
  if (dataset === "custom") {  // a blank plane; the server gets the points once they can train
    config.dataset = "custom";
    startCustom([]);
    showControls();
    return;
  }
  leaveCustom();
  change(guessProblem({ dataset }));
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

// Validate on the server, rebuild, write the URL; the answer, or null when refused.
async function change(update) {
  const next = { ...config, ...update };
  if (custom && custom.pending && next.dataset === "custom" && !update.points) {
    Object.assign(config, update);  // still drawing: the setup waits for the points
    showControls();
    applyPoints();  // e.g. a regression takes the drawn labels as values: maybe enough now
    return null;
  }
  if (next.dataset !== "custom") next.points = [];
  const answer = await api("PUT", `/api/sessions/${sessionId}/config`, next);
  if (!answer) { showControls(); return null; }  // refused: the controls go back
  config = answer.config;
  if (config.dataset !== "custom" && custom) leaveCustom();
  writeUrl();
  showControls();
  onData(answer.data);
  onFrame(answer.frame);
  return answer;
}

function showControls() {
  for (const id of ["dataset", "noise", "n_classes", "n_samples", "test_ratio", "seed", "problem",
                    "loss", "optimizer", "l1", "l2", "dropout", "batch_size", "epochs_per_frame",
                    "baseline"]) {
    $(id).value = config[id];
  }
  if (custom) $("dataset").value = "custom";
  $("learning_rate").value = String(config.learning_rate);
  if ($("learning_rate").value !== String(config.learning_rate)) {  // a rate not in the list
    $("learning_rate").append(option(config.learning_rate));
    $("learning_rate").value = String(config.learning_rate);
  }
  $("stop_epochs").value = config.stop_epochs ?? "";
  $("stop_loss").value = config.stop_loss ?? "";
  $("show-test").checked = view.showTest;
  $("discretize").checked = view.discretize;
  $("palette").value = view.palette;
  $("noise").disabled = !options.noisy.includes(config.dataset) || Boolean(custom);
  $("n_classes").disabled = !options.with_classes.includes(config.dataset) || Boolean(custom);
  $("n_samples").disabled = Boolean(custom);
  $("layer-count").textContent = `${config.layers.length} hidden layer${config.layers.length === 1 ? "" : "s"}`;
  const labels = config.problem === "regression" ? ["1", "0.5", "0", "-0.5", "-1"]
    : [...Array(config.problem === "binary" ? 2 : options.limits.classes).keys()].map(String);
  const previous = $("paint-label").value;
  $("paint-label").replaceChildren(...labels.map((l) => option(l, labelName(l))));
  if (labels.includes(previous)) $("paint-label").value = previous;
  for (const element of document.querySelectorAll("[data-control]")) {
    element.classList.toggle("hidden-control", view.hide.includes(element.dataset.control));
  }
  showValues();
  showPointsStatus();
  showTransport();
}

function showValues() {
  $("noise-value").textContent = $("noise").value;
  $("classes-value").textContent = $("n_classes").value;
  $("samples-value").textContent = $("n_samples").value;
  $("test-value").textContent = `${Math.round(100 * $("test_ratio").value)}%`;
  $("dropout-value").textContent = $("dropout").value;
  $("batch-value").textContent = $("batch_size").value;
}

// Play and Step train nothing while the network has diverged or the points are no data set.
function showTransport() {
  const blocked = Boolean(frame && frame.diverged) || customDraft();
  $("play").disabled = blocked;
  $("step").disabled = blocked;
  // While the drawn points are no data set yet, the network and its scores are the last
  // setup's: they fade, and the plane's caption says so.
  document.body.classList.toggle("drafting", customDraft());
  $("plane-caption").textContent = customDraft() ? "your points: a network trains on them once they are a data set"
    : "the network's output: x1 across, x2 up";
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
  if (custom) leaveCustom();
  change({ dataset: "upload", problem, loss: problem === "regression" ? "mse" : config.loss === "mse" ? "cross_entropy" : config.loss });
  setStatus(`Uploaded ${answer.points} points (${answer.task}).`);
}

function usePalette(name) {
  view.palette = name === "colorblind" ? "colorblind" : "standard";
  const alternative = options.palettes.colorblind;  // mlplab.viz.style's okabe_ito
  palette = view.palette === "colorblind" ? { ...options.palette, ...alternative } : options.palette;
  divergingRGBA = null;
}

// ---------------------------------------------------------------- URL
function readUrl(base) {
  const params = new URLSearchParams(location.search);
  for (const [field, key] of Object.entries(URL_KEYS)) {
    if (!params.has(key)) continue;
    const text = params.get(key);
    if (field === "features") base.features = text.split(",").filter(Boolean);
    else if (TEXT_FIELDS.includes(field)) base[field] = text;
    else base[field] = text === "" ? null : Number(text);
  }
  if (params.has("layers")) {
    base.layers = params.get("layers").split(",").filter(Boolean).map((part) => {
      const [units, activation] = part.split(":");
      return { units: Number(units), activation: activation || "tanh" };
    });
  }
  try {
    if (params.has("pts")) base.points = params.get("pts") ? decodePoints(params.get("pts")) : [];
  } catch (error) {
    showError(`pts: this link's points could not be read (${error.message}); the page starts without them.`);
  }
  if (params.has("points")) {  // the links of earlier versions: x,y,label;x,y,label
    base.points = params.get("points").split(";").filter(Boolean).map((p) => p.split(",").map(Number));
  }
  view.showTest = params.get("showtest") === "1";
  view.discretize = params.get("discretize") === "1";
  view.hide = (params.get("hide") || "").split(",").filter(Boolean);
  view.palette = params.get("palette") === "colorblind" ? "colorblind" : "standard";
  return base;
}

function writeUrl() {
  const params = new URLSearchParams();
  const lesson = new URLSearchParams(location.search).get("lesson");
  if (lesson !== null) params.set("lesson", lesson);  // help.js / lessons.js read it
  const shown = custom ? { ...config, dataset: "custom" } : config;
  for (const [field, key] of Object.entries(URL_KEYS)) {
    const value = shown[field];
    if (JSON.stringify(value) === JSON.stringify(options.defaults[field])) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : value ?? "");
  }
  if (JSON.stringify(config.layers) !== JSON.stringify(options.defaults.layers)) {
    params.set("layers", config.layers.map((l) => `${l.units}:${l.activation}`).join(","));
  }
  const points = custom ? custom.points : config.dataset === "custom" ? config.points : null;
  if (points) params.set("pts", points.length ? encodePoints(points) : "");
  if (view.showTest) params.set("showtest", "1");
  if (view.discretize) params.set("discretize", "1");
  if (view.hide.length) params.set("hide", view.hide.join(","));
  if (view.palette !== "standard") params.set("palette", view.palette);
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

// ---------------------------------------------------------------- messages
function onData(message) {
  if (data && message.version < data.version) return;  // a late message about a replaced network
  const fresh = !data || message.version !== data.version;  // a new network, not a repeat
  data = message;
  if (fresh) {
    curves = { epoch: [], train: [], test: [] };
    lastNeurons = freshNeurons = null;
    sentVisible = null;  // a new network: tell the server again which neurons show
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
  drawPlaneAxes(customDraft() ? custom.bounds : message.bounds);
  drawPlaneLegend();
  showPointsStatus();
}

// The hidden-space view's choices: off, every layer (the last is the output). The server
// keeps the choice across a rebuild while the network still has that layer.
function fillHiddenLayers(count) {
  const select = $("hidden-layer"), previous = select.value;
  select.replaceChildren(option("off", "nothing (off)"), ...[...Array(count).keys()].map(
    (k) => option(k + 1, k + 1 === count ? "the output" : `hidden layer ${k + 1}`)));
  select.value = previous !== "" && Number(previous) <= count ? previous : "off";
}

// A frame is drawn at the next paint; frames that come faster than the screen paints
// replace each other (their thumbnails are kept until drawn), so the page never queues work.
let drawQueued = false, freshNeurons = null;

function onFrame(message) {
  if (data && message.version !== data.version) return;  // a frame of a network since replaced
  mlplabStats.framesReceived += 1;
  frame = message;
  if (message.neurons) freshNeurons = message.neurons;
  const last = curves.epoch[curves.epoch.length - 1];
  if (last === undefined || message.epoch > last) {
    curves.epoch.push(message.epoch); curves.train.push(message.train_loss);
    curves.test.push(message.test_loss);
  }
  if (!drawQueued) { drawQueued = true; requestAnimationFrame(drawFrame); }
}

function drawFrame() {
  drawQueued = false;
  const started = performance.now(), message = frame;
  $("epoch").textContent = message.epoch.toLocaleString("en");
  if (starting && (message.playing || message.epoch > 0 || message.diverged || message.stopped)) starting = false;
  if (!starting) $("play").textContent = message.playing ? "\u275A\u275A Pause" : "\u25B6 Play";
  showDivergence(message.diverged);
  const fmt = (v) => v === null || v === undefined ? "–" : v.toFixed(3);
  $("train-loss").textContent = fmt(message.train_loss);
  $("test-loss").textContent = fmt(message.test_loss);
  $("train-metric").textContent = fmt(message.train_metric);
  $("test-metric").textContent = fmt(message.test_metric);
  if (!starting) {
    setStatus(message.interrupted ? `Cut short: ${message.interrupted}`
      : message.stopped ? `Stopped: ${message.stopped}.` : "");
  }
  drawPlanes();
  drawNeurons(freshNeurons);
  freshNeurons = null;
  drawLinks();
  drawCurves();
  drawConfusion();
  drawHidden(message.hidden);
  mlplabStats.framesDrawn += 1;
  mlplabStats.drawMilliseconds += performance.now() - started;
}

function redrawAll() {
  if (!data) return;
  buildNetwork();
  drawPlaneLegend();
  if (frame) { drawPlanes(); drawNeurons(lastNeurons); drawLinks(); drawHidden(frame.hidden); }
}

// A diverged network trains no more until it is reset: the banner says why, offers Reset.
function showDivergence(text) {
  $("diverged").hidden = !text;
  $("diverged-text").textContent = text || "";
  showTransport();
}

function drawConfusion() {
  const target = $("confusion");
  if (!frame.confusion || customDraft()) { target.replaceChildren(); return; }
  const names = data.classes.map(className);  // an uploaded CSV's labels, shown as text
  const header = el("tr", {}, el("th"), ...names.map((name) => el("th", {}, name)));
  const rows = frame.confusion.map((row, i) =>
    el("tr", {}, el("th", {}, names[i]), ...row.map((v) => el("td", {}, String(v)))));
  const part = data.test.length ? "test" : "train";
  target.replaceChildren(
    el("div", { class: "caption" },
       `Confusion matrix (${part} data): rows true class, columns predicted`),
    el("table", {}, header, ...rows));
}

// ---------------------------------------------------------------- the page's API
// For help.js and lessons.js (see /work/notes/contract23.md): they change the page only
// through these.
window.mlplabPage = {
  ready: readyPromise,
  options: () => options,
  config: () => config,
  change: (update) => change(update),
  hide: (names) => { view.hide = [...names]; showControls(); writeUrl(); },
  setStatus,
};

start().catch((error) => showError(`The page could not start: ${error}`));
