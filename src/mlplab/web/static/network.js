// The network panel: a column per layer, a thumbnail per neuron, a link per weight.
// It fits any allowed net (10 hidden layers of 64): the panel scrolls, thumbnails shrink
// with the widest layer, a layer wider than COLLAPSE_UNITS shows its neurons as a block
// of small tiles (a button shows it as a column again). Up to SVG_LINKS weights are SVG
// paths one can click to edit; more are drawn on one canvas, a stroke per colour and width.
// Thumbnails are drawn only for neurons on screen: the page tells the server which
// (the "visible" message) after each rebuild, scroll and resize.
"use strict";

const COLLAPSE_UNITS = 16;
const SVG_LINKS = 600;
const TILE = 12;  // px, a neuron in a collapsed layer
const TILES_PER_ROW = 4;

let layout = null;        // neuron centres per layer, in #network-inner's coordinates
let lastNeurons = null;   // the thumbnails last received (a frame may carry none)
let sentVisible = null;   // the "visible" message last sent, as JSON
let divergingRGBA = null; // 256 colours of the diverging scale (reset with the palette)

function featureKey(name) {
  return "feature-" + name.replace("^2", "-squared").replace("*", "-times-")
    .replace(/[^a-z0-9-]+/gi, "-").replace(/-+$/, "");
}

function collapsed(index, units) {
  const choice = view.collapse[index];
  return choice === undefined ? units > COLLAPSE_UNITS : choice;
}

// A hidden column's thumbnails shrink as its layer grows: 36 px for up to 8 neurons.
function neuronSize(units) {
  return Math.max(14, Math.min(36, Math.floor(400 / units) - 6));
}

function buildNetwork() {
  const columns = $("columns");
  columns.replaceChildren();
  const widths = data.layers;
  const inputs = column("inputs", "Features");
  for (const name of options.features) {
    const on = config.features.includes(name);
    const box = neuronBox(inputs, on ? `in-${config.features.indexOf(name)}` : null, name);
    box.dataset.help = featureKey(name);
    box.classList.toggle("off", !on);
    box.title = on ? `${name}: click to drop this input` : `${name}: click to add this input`;
    box.tabIndex = 0;
    box.setAttribute("role", "button");
    box.setAttribute("aria-pressed", String(on));
    box.addEventListener("click", () => toggleFeature(name));
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); toggleFeature(name); }
    });
  }
  columns.appendChild(inputs);
  config.layers.forEach((layer, index) => columns.appendChild(hiddenColumn(layer, index, widths[index + 1])));
  const out = column("output", "Output");
  for (let j = 0; j < widths[widths.length - 1]; j++) {
    const box = neuronBox(out, `n-${widths.length - 1}-${j}`);
    box.dataset.help = "output-neuron";
    box.title = widths[widths.length - 1] === 1 ? "the output" : `output neuron ${j + 1}`;
    if (widths[widths.length - 1] > 1 && data.classes[j] !== undefined) {  // class by name too
      box.append(el("span", { class: "name" }, className(data.classes[j])));
    }
  }
  columns.appendChild(out);
  $("link-legend").replaceChildren(...linkLegend());
  measureNetwork();
}

function hiddenColumn(layer, index, units) {
  const col = column("hidden", "");
  const minus = el("button", { title: "Remove a neuron", "data-help": "layer-units" }, "\u2212");
  const plus = el("button", { title: "Add a neuron", "data-help": "layer-units" }, "+");
  const activation = el("select", { title: "Activation of this layer", "data-help": "activation",
                                    "aria-label": `activation of hidden layer ${index + 1}` },
                        ...options.activations.map((a) => option(a)));
  activation.value = layer.activation;
  const folded = collapsed(index, units);
  const fold = el("button", { class: "fold", "data-help": "layer-collapse",
                              title: folded ? "Show this layer's neurons as a column"
                                            : "Show this layer's neurons as small tiles" },
                  folded ? "\u229E" : "\u229F");
  const count = el("span", { class: "units", "data-help": "layer-units" }, ` ${layer.units} `);
  col.querySelector(".head").append(el("div", {}, minus, count, plus), activation,
                                    el("div", {}, units > 4 ? fold : ""));
  minus.addEventListener("click", () => setUnits(index, layer.units - 1));
  plus.addEventListener("click", () => setUnits(index, layer.units + 1));
  fold.addEventListener("click", () => {
    view.collapse[index] = !folded;
    buildNetwork();
    if (frame) { drawNeurons(lastNeurons); drawLinks(); }
  });
  activation.addEventListener("change", (e) => {
    const layers = structuredClone(config.layers);
    layers[index].activation = e.target.value;
    change({ layers });
  });
  const holder = folded ? el("div", { class: "tiles", "data-help": "neuron-tiles" }) : col;
  if (folded) {
    col.classList.add("collapsed");
    col.append(holder, el("div", { class: "summary", "data-help": "neuron-tiles" },
                           `${units} ${layer.activation}`));
  } else {
    col.style.setProperty("--neuron", `${neuronSize(units)}px`);
  }
  for (let j = 0; j < units; j++) {
    const box = neuronBox(holder, `n-${index + 1}-${j}`);
    box.dataset.help = "neuron";
    box.title = `neuron ${j + 1} of hidden layer ${index + 1}`;
  }
  return col;
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

function linkLegend() {
  const swatch = (sign) => {
    const line = el("span", { class: `swatch ${sign}` });
    line.style.borderTopColor = css(palette.diverging[sign === "positive" ? 1 : 0]);
    return line;
  };
  const wide = data.layers.some((units, l) => l && units * data.layers[l - 1] > 4 * STRONGEST_LINKS);
  return [swatch("positive"), " weight > 0 ", swatch("negative"), " weight < 0 (dashed); width: |weight|",
          wide ? `; between wide layers, the ${STRONGEST_LINKS} strongest weights` : ""];
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

// Where every neuron sits (read once per build or resize, not per frame), and the size
// of the drawing surfaces for the links.
function measureNetwork() {
  const inner = $("network-inner"), origin = inner.getBoundingClientRect();
  // [centre x, centre y, half width, left end, right end]: links of a block of tiles
  // end at the block's sides, not in among its tiles.
  const centres = data.layers.map((units, l) => [...Array(units).keys()].map((j) => {
    const box = $(l === 0 ? `in-${j}` : `n-${l}-${j}`);
    if (!box) return null;
    const r = box.getBoundingClientRect(), block = box.closest(".tiles");
    const sides = block ? block.getBoundingClientRect() : r;
    return [r.left - origin.left + r.width / 2, r.top - origin.top + r.height / 2, r.width / 2,
            sides.left - origin.left, sides.right - origin.left];
  }));
  layout = { centres, width: inner.scrollWidth, height: inner.scrollHeight };
  const canvas = $("links-canvas"), ratio = window.devicePixelRatio || 1;
  canvas.style.width = `${layout.width}px`; canvas.style.height = `${layout.height}px`;
  canvas.width = Math.ceil(layout.width * ratio); canvas.height = Math.ceil(layout.height * ratio);
  const network = $("network");
  // A few pixels of overflow (borders, rounding) scroll nothing worth a hint.
  $("network-scroll").hidden = network.scrollWidth <= network.clientWidth + 8
    && network.scrollHeight <= network.clientHeight + 8;
  sendVisible(true);
}

// ---------------------------------------------------------------- thumbnails
function drawNeurons(neurons) {
  if (neurons) lastNeurons = neurons;
  const thumbnails = lastNeurons;
  const lastLayer = data.layers.length - 1;
  if (thumbnails) {
    divergingRGBA = divergingRGBA || divergingTable();
    thumbnails.layers.forEach((layer, l) => {
      if (!layer || (l === lastLayer && data.layers[l] === 1)) return;  // the output: below
      const start = thumbnails.ranges?.[l]?.[0] ?? 0;
      layer.forEach((neuron, i) => { if (neuron) drawThumbnail(neuron, l, start + i, thumbnails.size); });
    });
  }
  // A single output neuron shows the network's output as the main picture does; with
  // several classes each output neuron shows its class's probability (its thumbnail).
  if (data.layers[lastLayer] === 1 && frame) {
    const box = $(`n-${lastLayer}-0`);
    if (box) drawImage(box.querySelector("canvas"), outputPixels(frame.output));
  }
}

function drawThumbnail(neuron, l, j, n) {
  const box = $(l === 0 ? `in-${j}` : `n-${l}-${j}`);
  if (!box) return;
  const rgba = new Uint8ClampedArray(n * n * 4), values = bytes(neuron.values);
  if (l === data.layers.length - 1) {  // several classes: its class's probability
    const scale = neuron.scale ?? 0, classColor = palette.classes[j % palette.classes.length];
    for (let i = 0; i < n * n; i++) {
      const c = outputColor(classColor, Math.max(0, (values[i] / 255 * 2 - 1) * scale));
      rgba[4 * i] = c[0]; rgba[4 * i + 1] = c[1]; rgba[4 * i + 2] = c[2]; rgba[4 * i + 3] = 255;
    }
  } else {  // a pixel is 4 bytes: copy them as one 32-bit word from the table
    const table = new Uint32Array(divergingRGBA.buffer), pixels = new Uint32Array(rgba.buffer);
    for (let i = 0; i < n * n; i++) pixels[i] = table[values[i]];
  }
  drawImage(box.querySelector("canvas"), new ImageData(rgba, n, n));
  box.dataset.largest = neuron.scale === null ? "not a number" : neuron.scale.toPrecision(3);
}

// A neuron's tooltip says how large its output gets (set when pointed at, not per frame).
function neuronTitle(event) {
  const box = event.target.closest && event.target.closest(".neuron");
  if (!box || !box.dataset.largest) return;
  box.title = `${box.title.split("\n")[0] || "a neuron"}\nlargest |activation| ${box.dataset.largest}`;
}

// Which neurons of each layer are on screen (in the panel's scrolled view and the window):
// [start, stop) per layer, inputs first, or null for none.
function visibleUnits() {
  const frameBox = $("network").getBoundingClientRect(), origin = $("network-inner").getBoundingClientRect();
  const top = Math.max(frameBox.top, 0), bottom = Math.min(frameBox.bottom, window.innerHeight);
  const left = Math.max(frameBox.left, 0), right = Math.min(frameBox.right, window.innerWidth);
  return layout.centres.map((layer) => {
    let start = null, stop = null;
    layer.forEach((centre, j) => {
      if (!centre) return;
      const [x, y, r] = [centre[0] + origin.left, centre[1] + origin.top, centre[2]];
      if (x + r >= left && x - r <= right && y + r >= top && y - r <= bottom) {
        if (start === null) start = j;
        stop = j + 1;
      }
    });
    return start === null ? null : [start, stop];
  });
}

let visibleQueued = false;

function sendVisible(force = false) {
  if (!layout) return;
  if (!force) {
    if (visibleQueued) return;
    visibleQueued = true;
    requestAnimationFrame(() => { visibleQueued = false; sendVisible(true); });
    return;
  }
  const message = JSON.stringify(visibleUnits());
  if (message === sentVisible) return;
  sentVisible = message;
  send("visible", { units: JSON.parse(message) });
  if (frame && !frame.playing) send("frame");  // paused: the newly shown neurons' pictures now
}

// ---------------------------------------------------------------- links
function* eachWeight(weights) {  // [layer, source, target, w]; w is NaN when not a number
  for (let l = 0; l < weights.length; l++) {
    const kernel = weights[l].kernel;
    for (let i = 0; i < kernel.length; i++) {
      const row = kernel[i];
      for (let j = 0; j < row.length; j++) yield [l, i, j, row[j] === null ? NaN : row[j]];
    }
  }
}

function drawLinks() {
  if (!layout || !frame) return;
  const weights = frame.weights;
  let count = 0, biggest = 1e-9;
  for (const [, , , w] of eachWeight(weights)) {
    count += 1;
    if (w === w) biggest = Math.max(biggest, Math.abs(w));
  }
  const onCanvas = count > SVG_LINKS;
  $("links").classList.toggle("off", onCanvas);
  $("links-canvas").hidden = !onCanvas;
  if (onCanvas) { $("links").replaceChildren(); drawLinksOnCanvas(weights, biggest); }
  else drawLinksAsSvg(weights, biggest);
}

function linkEnds(l, i, j) {
  const from = layout.centres[l]?.[i], to = layout.centres[l + 1]?.[j];
  return from && to ? [from, to] : null;
}

function drawLinksAsSvg(weights, biggest) {
  const paths = [];
  for (const [l, i, j, w] of eachWeight(weights)) {
    const ends = linkEnds(l, i, j);
    if (!ends) continue;
    const [[, y0, , , x0], [, y1, , x1]] = ends;
    const d = `M${x0},${y0} C${(x0 + x1) / 2},${y0} ${(x0 + x1) / 2},${y1} ${x1},${y1}`;
    const known = w === w;
    const color = known ? css(palette.diverging[w >= 0 ? 1 : 0]) : "#9aa0a6";
    const width = known ? 0.5 + 5 * Math.abs(w) / biggest : 0.5;
    const key = `${l}-${i}-${j}`;
    const selected = selectedLink && selectedLink.key === key ? " selected" : "";
    const hit = svg("path", { class: "hit", d, "data-key": key, "data-help": "link" },
                    svg("title", {}, known ? `weight ${w.toFixed(3)}` : "weight not a number"));
    hit.addEventListener("click", () => openWeightEditor(key));
    const attributes = { class: `link${selected}`, d, stroke: color, "stroke-width": width.toFixed(2),
                         "stroke-opacity": "0.8", "pointer-events": "none" };
    if (!known || w < 0) attributes["stroke-dasharray"] = "5 3";
    paths.push(hit, svg("path", attributes));
  }
  $("links").replaceChildren(...paths);
}

// Many links: one canvas, the links grouped by sign and width into a few strokes (each
// group is one path: thousands of lines cost a few strokes, not thousands of elements).
// Between two wide layers only the STRONGEST_LINKS largest |weights| are drawn: 4,096
// lines between two blocks of tiles would be one solid patch of colour.
const STRONGEST_LINKS = 96;

function drawLinksOnCanvas(weights, biggest) {
  const canvas = $("links-canvas"), context = canvas.getContext("2d");
  const ratio = canvas.width / (layout.width || 1);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, layout.width, layout.height);
  const groups = new Map();
  weights.forEach((layer, l) => {
    const floor = strongestFloor(layer.kernel);
    layer.kernel.forEach((row, i) => {
      for (let j = 0; j < row.length; j++) {
        const w = row[j] === null ? NaN : row[j];
        if (Math.abs(w) < floor) continue;
        const ends = linkEnds(l, i, j);
        if (!ends) continue;
        const sign = w !== w ? "nan" : w >= 0 ? "positive" : "negative";
        const level = w !== w ? 0 : Math.min(4, Math.floor(5 * Math.abs(w) / biggest));
        const key = `${sign}-${level}`;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(ends);
      }
    });
  });
  for (const [key, segments] of groups) {
    const [sign, level] = key.split("-");
    context.beginPath();
    for (const [[, y0, , , x0], [, y1, , x1]] of segments) {
      const middle = (x0 + x1) / 2;
      context.moveTo(x0, y0);
      context.bezierCurveTo(middle, y0, middle, y1, x1, y1);
    }
    context.strokeStyle = sign === "nan" ? "#9aa0a6" : css(palette.diverging[sign === "positive" ? 1 : 0]);
    context.globalAlpha = 0.45 + 0.1 * Number(level);
    context.lineWidth = 0.5 + 0.55 * Number(level);
    context.setLineDash(sign === "positive" ? [] : [4, 3]);
    context.stroke();
  }
  context.globalAlpha = 1;
  context.setLineDash([]);
}

// The smallest |weight| of a layer's STRONGEST_LINKS largest (0: draw them all).
function strongestFloor(kernel) {
  let count = 0;
  for (const row of kernel) count += row.length;
  if (count <= 4 * STRONGEST_LINKS) return 0;
  const sizes = new Float64Array(count);
  let k = 0;
  for (const row of kernel) for (let j = 0; j < row.length; j++) sizes[k++] = row[j] === null ? 0 : Math.abs(row[j]);
  sizes.sort();
  return sizes[count - STRONGEST_LINKS];
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
