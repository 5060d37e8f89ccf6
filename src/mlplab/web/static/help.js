// Explanations: a card for every control and every kind of thing the page draws.
// A card opens on hover, on keyboard focus and, where there is no hover (touch), in
// "explain" mode: the ? button in the header, then a tap on anything. Escape closes it.
// An element's key is its data-help, else its id, else what it is (a label explains its
// control). Listeners sit on the document, so elements the page builds later (neuron
// boxes, weights' lines) get cards too. Cards are built with createElement and
// textContent, never parsed from strings. window.mlplabHelp is for the browser tests.
"use strict";

(() => {
  // Two-sided pictures run from the palette's first colour (orange) through white to its
  // second (blue) in both palettes; `scale` draws that strip (or the classes) in the card.
  const FEATURES = {
    "feature-x1": ["x1", "The point's first coordinate: across the plane, low on the left " +
      "(orange), high on the right (blue). On its own it lets a neuron split the plane with " +
      "a vertical line."],
    "feature-x2": ["x2", "The point's second coordinate: up the plane, low at the bottom " +
      "(orange), high at the top (blue). On its own it lets a neuron split the plane with a " +
      "horizontal line."],
    "feature-x1-squared": ["x1\u00b2", "x1 times itself: high (blue) far to the left and far " +
      "to the right, low near x1 = 0. With x2\u00b2 a single neuron can draw a circle or an " +
      "ellipse, with no hidden layer."],
    "feature-x2-squared": ["x2\u00b2", "x2 times itself: high (blue) far up and far down, low " +
      "near x2 = 0. With x1\u00b2 a single neuron can draw a circle or an ellipse."],
    "feature-x1-times-x2": ["x1\u00b7x2", "x1 times x2: positive (blue) in the top-right and " +
      "bottom-left quarters, negative (orange) in the other two. That is the XOR pattern in one " +
      "number: with it, XOR needs no hidden layer."],
    "feature-sin-x1": ["sin x1", "The sine of x1 (in radians): waves across the plane, one " +
      "full wave every 6.28 units of x1. Useful for stripes and spirals."],
    "feature-sin-x2": ["sin x2", "The sine of x2 (in radians): waves up the plane, one full " +
      "wave every 6.28 units of x2."],
  };
  const FEATURE_TAIL = " Click it (or Enter) to use it or drop it; a faded box is not used.";

  const DIVERGING = { scale: "diverging", ends: ["negative", "0", "positive"] };
  const HELP = {
    // ------------------------------------------------------------ header
    reset: ["Reset", "Puts the network back to its initial weights and the epoch to 0; the " +
      "data stays. The initial weights come from the seed, so each reset starts the same run."],
    play: ["Play / Pause", "Trains without stopping and redraws after every frame; press again " +
      "(or Space) to pause. Look at the loss chart and the output plane as it learns."],
    step: ["Step", "Trains one frame (Epochs per frame) and stops (Right arrow key). Good " +
      "for watching a few updates one at a time."],
    "epoch-counter": ["Epoch", "How many times training has gone through all the training " +
      "points. Reset sets it back to 0."],
    epoch: ["Epoch", "How many times training has gone through all the training points. " +
      "Reset sets it back to 0."],
    palette: ["Colours", "Colour-blind safe swaps in Okabe and Ito's colours, told apart with " +
      "every common colour-vision deficiency. Shapes and dashes say the same as the colours."],
    "export-model": ["Export the model", "Downloads the trained network as a file. In Python, " +
      "mlplab.load(file) gives it back, to predict or to go on training."],
    "export-script": ["Export a script", "Downloads a Python script that builds this data and " +
      "network and trains it to the same weights (unless you edited weights by hand)."],
    "export-gif": ["Export a GIF", "Downloads an animation of the output plane over the " +
      "training so far, for slides and reports."],
    share: ["Link", "Copies this setup's link (it is also in the address bar). Opening it " +
      "gives the same data, network and settings, for example to a whole class."],
    "help-toggle": ["Explain", "Turns explain mode on or off. In explain mode a click or tap " +
      "on anything opens its card instead of using it. Escape leaves."],
    error: ["Refused", "What the server could not accept, and why. Change the setting it " +
      "names; everything else stays as it was."],
    diverged: ["Training diverged", "The loss became NaN (not a number) or infinite: the " +
      "weights grew without bound. Usually the learning rate is too large. Lower it, then " +
      "reset."],
    "diverged-title": ["Training diverged", "The loss became NaN (not a number) or infinite: " +
      "the weights grew without bound. Usually the learning rate is too large."],
    "diverged-text": ["Training diverged", "When and how training failed. Training stays " +
      "stopped until you reset."],
    "diverged-lower": ["Lower the rate and reset", "Divides the learning rate by 10 and starts " +
      "again from the initial weights: the usual cure for a loss that became NaN."],
    "diverged-reset": ["Reset", "Starts again from the initial weights with the same " +
      "settings. If the loss becomes NaN again, lower the learning rate."],
    status: ["Status", "What the page or the server is doing: stopped by a rule, waiting for " +
      "the server, compiling."],
    // ------------------------------------------------------------ data
    dataset: ["Dataset", "The points to learn from. xor, circles, moons, spirals, checkerboard, " +
      "blobs, classification, gaussian_quantiles: classes to separate; regression_*: a number " +
      "to predict; custom: points you click; upload: your own CSV file."],
    noise: ["Noise", "How far the points scatter from the clean pattern. With more noise the " +
      "classes overlap, so no boundary gets every point right: look at the gap between train " +
      "and test scores."],
    n_classes: ["Classes", "How many classes the data set has (blobs, classification, " +
      "gaussian_quantiles; spirals: arms). More than 2 needs the multi-class problem."],
    n_samples: ["Points", "How many points are made, training and test together. More points: " +
      "a clearer pattern, slower epochs."],
    test_ratio: ["Test share", "The share of points kept aside for testing: the network never " +
      "trains on them. Test scores say how well it does on points it has not seen."],
    seed: ["Seed", "The number behind every random choice: the points, the train/test split, " +
      "the initial weights. The same seed gives the same run; change it to see another start."],
    upload: ["Upload CSV", "A file of rows x1,x2,label (up to 2 MB, 5,000 rows). Text labels " +
      "are classes; real numbers are a target to predict (regression)."],
    drawing: ["Your own points", "Tools for a data set you draw: click on the plane to add a " +
      "point, undo, clear."],
    "paint-label": ["Click adds", "The class (or value) of the point a click on the output " +
      "plane adds, with dataset custom. Shift-click adds the other class (for a regression, " +
      "the opposite value)."],
    "paint-hint": ["Drawing points", "How to draw your own data set on the output plane."],
    "points-undo": ["Undo", "Takes back the last change to your points (an added point or a " +
      "clear)."],
    "points-clear": ["Clear", "Removes every point: a blank plane to draw on."],
    "points-copy": ["Draw on these points", "Starts a custom data set from the points shown, " +
      "so your clicks add to them."],
    "points-status": ["Points", "How many points you have drawn, and of which class."],
    "points-csv": ["Download points", "Saves the points as a CSV file (x1,x2,label), training " +
      "and test points, to use in Python or to upload again."],
    "show-test": ["Show test data", "Also draws the test points, hollow; training points are " +
      "filled. Look for test points on the wrong side of the boundary: that is the test error."],
    discretize: ["Discretize output", "Colours each pixel by the class the network picks, at " +
      "full strength: the boundary shows sharp, without the shading for how sure it is."],
    // ------------------------------------------------------------ network
    "add-layer": ["Add a layer", "Adds a hidden layer of 2 neurons (up to 10 layers). The " +
      "network starts over with new weights."],
    "remove-layer": ["Remove a layer", "Removes the last hidden layer. With none left the " +
      "network is one neuron per output: its boundary is a straight line in the features."],
    "layer-count": ["Hidden layers", "How many hidden layers the network has, between the " +
      "features and the output."],
    "link-legend": ["Weights", "Each line is a weight. Solid blue: positive; dashed orange: " +
      "negative; thicker: larger size |w|, relative to the largest weight.", DIVERGING],
    network: ["The network", "Features on the left, hidden layers in the middle, the output " +
      "on the right. Each box shows what that neuron outputs at every point of the plane; " +
      "each line is a weight. Scroll when the network is large."],
    links: ["Weights", "The lines between neurons are the weights. Solid blue: positive; " +
      "dashed orange: negative; thicker: larger |w|. Click a line to set its weight (a large " +
      "network draws its lines as one picture, without clicks).", DIVERGING],
    link: ["A weight", "How much the neuron on the left pushes the one on the right. Solid " +
      "blue: positive (pushes up); dashed orange: negative (pushes down); the thicker, the " +
      "larger |w|. Click it to read or set its value.", DIVERGING],
    neuron: ["A hidden neuron", "Its output at every point of the plane: blue where positive, " +
      "orange where negative, white near 0 (scaled to its largest |output|). In the first " +
      "layer each draws one straight edge; look for deeper neurons bending them into shapes.",
      DIVERGING],
    "neuron-tiles": ["Neurons, small", "A wide layer's neurons as small tiles, one per neuron: " +
      "blue where its output is positive, orange where negative. The button above shows them " +
      "as a column again.", DIVERGING],
    "output-neuron": ["Output neuron", "With one output: the network's answer over the plane, " +
      "as on the output plane. With several classes: one neuron per class, in its class's " +
      "colour, deep where the network gives that class a high probability."],
    "layer-units": ["Neurons in this layer", "\u2212 and + remove or add a neuron (1 to 64). " +
      "More neurons: more edges to build a boundary from. The network starts over."],
    activation: ["Activation", "What each neuron of this layer does to its weighted sum z. " +
      "tanh: -1 to 1; sigmoid: 0 to 1; relu: max(0, z); leaky_relu and elu: relu that lets " +
      "negatives through a little; linear: z itself, no bend at all."],
    "layer-collapse": ["Column or tiles", "Shows this layer's neurons as a column of pictures " +
      "or as a block of small tiles, to fit a wide layer on screen."],
    "network-scroll": ["A large network", "The network is bigger than its panel: scroll " +
      "inside the panel, or widen the window, to see the rest."],
    features: ["Features", "The network's inputs: numbers computed from each point's x1 and " +
      "x2. Lit boxes are in use; click one to add or drop it."],
    "hidden-layer-column": ["A hidden layer", "Its neurons, how many (\u2212 and +), and their " +
      "activation."],
    "layer-summary": ["A wide layer", "How many neurons this layer has and their activation; " +
      "the tiles above are its neurons."],
    "output-column": ["Output", "The network's output neurons: one for two classes or a " +
      "number, one per class otherwise."],
    "weight-editor": ["Edit a weight", "Set the chosen weight by hand and watch what changes " +
      "on the plane."],
    "weight-label": ["Edit a weight", "Which weight you chose: from which neuron to which."],
    "weight-value": ["Weight value", "Type a value and press Enter or Set: the network uses it " +
      "from now on. Look at how the neuron it feeds changes."],
    "weight-set": ["Set", "Puts the typed value into the weight."],
    "weight-close": ["Close", "Closes the weight editor; the weight keeps its value."],
    // ------------------------------------------------------------ training
    problem: ["Problem", "binary: two classes, one output, the probability of class 1. " +
      "multi-class: one output per class (softmax), their probabilities add up to 1. " +
      "regression: one output, a number."],
    loss: ["Loss", "What training makes small. Cross-entropy punishes confident wrong answers " +
      "hardest: the usual choice for classes. Squared error: the mean of (output - target)\u00b2, " +
      "the one for regression."],
    optimizer: ["Optimizer", "How the weights move downhill on the loss. SGD: a step of " +
      "learning rate \u00d7 gradient. SGD + momentum: each step keeps 0.9 of the last one. " +
      "Adam, RMSprop: each weight gets its own step size from its recent gradients."],
    learning_rate: ["Learning rate", "How big each step is. Too small: slow. Too large: the " +
      "loss jumps about or becomes NaN. Look at the loss chart after a change."],
    l1: ["L1", "Adds L1 \u00d7 the sum of |w| over the hidden layers' weights to the loss. " +
      "It pushes weights to exactly 0: look for lines that disappear."],
    l2: ["L2", "Adds L2 \u00d7 the sum of w\u00b2 over the hidden layers' weights to the loss. " +
      "It keeps weights small: look for a smoother boundary and less overfitting."],
    dropout: ["Dropout", "While training, each hidden neuron is switched off at random with " +
      "this probability, at every step. The network cannot lean on any one neuron, which " +
      "fights overfitting. The pictures and scores use every neuron."],
    batch_size: ["Batch size", "Points per weight update. 1: one point at a time, many noisy " +
      "steps per epoch. As many as the training points: one exact step per epoch."],
    epochs_per_frame: ["Epochs per frame", "Epochs trained between two pictures. More: faster " +
      "training, a coarser animation."],
    stop_epochs: ["Stop after epochs", "Training pauses by itself at this epoch. Empty: never."],
    stop_loss: ["Stop at train loss", "Training pauses by itself once the training loss is " +
      "this low. Empty: never."],
    baseline: ["Compare with", "Fits another model to the same training points and draws it " +
      "beside the network: logistic regression (a straight boundary) or an RBF support vector " +
      "machine (smooth curves). Compare the scores under its picture."],
    // ------------------------------------------------------------ output
    plane: ["Output plane", "The network's answer at every point: the colour of the class it " +
      "picks, deep where it is sure, pale near the boundary (white: 50/50). Regression: low " +
      "orange, high blue. Markers are the data: filled for training, hollow for test."],
    "plane-axes": ["Output plane", "x1 runs across, x2 up; the numbers on the edges are their " +
      "values. Each pixel is the network's answer for that point (x1, x2)."],
    "plane-xticks": ["x1 axis", "Values of x1, the first coordinate, along the plane's " +
      "bottom edge."],
    "plane-yticks": ["x2 axis", "Values of x2, the second coordinate, up the plane's left " +
      "edge."],
    "plane-caption": ["Output plane", "Which model this picture shows."],
    "plane-legend": ["Legend", "Each class's marker and colour: shape and colour both tell the " +
      "class. Filled markers: training points; hollow: test points."],
    "baseline-plane": ["Baseline's output", "The compared model's answer over the plane, " +
      "coloured like the network's. Its scores are under it."],
    "baseline-caption": ["Baseline's scores", "The compared model's accuracy (R\u00b2 for " +
      "regression) on the training and test points."],
    "hidden-layer": ["Hidden space", "Shows the data as a layer sees it: each point moved to " +
      "its neurons' outputs. Pick a layer, or the output, to see how the network bends the " +
      "plane until a straight line can separate the classes."],
    "hidden-space": ["Hidden space", "The training points and a square grid of the plane, as " +
      "the chosen layer sees them (its neurons' outputs as coordinates; more than 2 neurons: " +
      "the 2 main directions). Look for the classes pulled apart; dashed: the output's " +
      "boundary."],
    "hidden-caption": ["Hidden space", "Which layer the picture shows, and what its axes are."],
    scores: ["Scores", "Loss and accuracy on the training points and on the test points. " +
      "Look for a gap: much better on train than test means the network learned the " +
      "training points by heart (overfitting)."],
    "train-loss": ["Train loss", "The loss on the training points: what training makes " +
      "small."],
    "test-loss": ["Test loss", "The loss on the test points, which the network never trains " +
      "on. If it rises while the train loss falls, the network is overfitting."],
    "train-metric": ["Train accuracy", "The share of training points the network gets right " +
      "(R\u00b2 for regression: 1 is perfect, 0 is no better than always the mean)."],
    "test-metric": ["Test accuracy", "The share of test points the network gets right " +
      "(R\u00b2 for regression): the score that counts."],
    "metric-name": ["Metric", "Accuracy for classes: the share of points right. R\u00b2 for " +
      "regression: 1 is perfect, 0 is no better than always the mean."],
    "loss-chart": ["Loss chart", "The loss after each frame: epochs across, loss up; solid: " +
      "train, dashed: test. Falling together: learning. Test rising while train falls: " +
      "overfitting. Jumping up: the learning rate is too large."],
    curves: ["Loss chart", "The loss after each frame: epochs across, loss up; train and " +
      "test. Falling together: learning. Test rising while train falls: overfitting."],
    "loss-legend": ["Loss chart legend", "Solid grey line: the training loss. Dashed dark " +
      "line: the test loss."],
    confusion: ["Confusion matrix", "Counts of test points (training points if there is no " +
      "test share) by true class (rows) and predicted class (columns). The diagonal is right; " +
      "look off it for which classes get mixed up."],
    // ------------------------------------------------------------ lessons (lessons.js)
    lesson: ["Lesson", "Sets the page up for one experiment: its data and network, only the " +
      "controls it needs, and a text of what to try and what to look for. No lesson: every " +
      "control is back."],
    "lesson-box": ["The lesson", "What to try and what to look for in this lesson."],
    "lesson-toggle": ["Show or hide the text", "Folds the lesson's text away, or shows it " +
      "again. The lesson's setup stays."],
  };
  for (const [key, [title, text]] of Object.entries(FEATURES)) {
    HELP[key] = [title, text + FEATURE_TAIL, DIVERGING];
  }

  // The pictures take the keyboard's focus too, so that Tab reaches their cards (one stop
  // each; neurons and weights, hundreds of them in a large net, are explained by hover).
  const PICTURES = ["plane", "baseline-plane", "hidden-space", "loss-chart", "scores",
                    "link-legend", "plane-legend"];
  function focusable() {
    for (const key of PICTURES) {
      for (const element of document.querySelectorAll(`[data-help="${key}"]`)) {
        if (!element.hasAttribute("tabindex")) element.tabIndex = 0;
      }
    }
  }
  focusable();

  const card = document.createElement("div");
  card.id = "help-card";
  card.className = "help-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);

  const toggle = document.createElement("button");
  toggle.id = "help-toggle";
  toggle.type = "button";
  toggle.className = "help-toggle";
  toggle.textContent = "?";
  toggle.setAttribute("aria-label", "Explain mode: click anything to read what it is");
  toggle.setAttribute("aria-pressed", "false");
  (document.querySelector("header") || document.body).appendChild(toggle);

  let shown = null;       // { anchor, described } of the open card
  let dismissed = null;   // the anchor whose card Escape closed (until it is left)
  let explaining = false; // explain mode: a click or tap opens a card instead of acting
  let timer = null;
  let pointer = null;     // the last mouse position, for anchors too big to sit beside

  // ------------------------------------------------------------ which card
  // The key of `node` itself, if it has a card: data-help, else id; a label explains its
  // control.
  function ownKey(node) {
    if (!(node instanceof Element)) return null;
    const key = node.getAttribute("data-help");
    if (key && HELP[key]) return key;
    if (node.id && HELP[node.id]) return node.id;
    if (node.tagName === "LABEL" && node.control) return ownKey(node.control);
    return null;
  }

  // The element with a card at or around `node`: { key, anchor, described }. `described`
  // gets aria-describedby (a label's control, which is what a screen reader is on).
  function find(node) {
    // A weight's visible line lies over its wider, clickable twin (path.hit) just before it.
    if (node instanceof SVGElement && node.matches("path.link")
        && node.previousElementSibling?.matches("path.hit")) node = node.previousElementSibling;
    for (let at = node; at && at !== document.body; at = at.parentElement) {
      if (at === card) return null;
      const key = ownKey(at);
      if (key) {
        const described = at.tagName === "LABEL" && at.control ? at.control : at;
        return { key, anchor: at, described };
      }
    }
    return null;
  }

  // The live detail the page puts in an element's title (a weight's value, a neuron's
  // largest output), shown under the explanation.
  function detail(anchor) {
    const title = anchor.getAttribute("title") || anchor.querySelector?.(":scope > title")?.textContent;
    return title ? title.trim() : "";
  }

  function currentPalette() {
    // `palette` is app.js's global (the palette in use); the server's as a fallback.
    if (typeof palette !== "undefined" && palette) return palette;
    return window.mlplabPage?.options?.()?.palette || null;
  }

  function css(rgb) { return `rgb(${rgb.map(Math.round).join(",")})`; }

  function scaleStrip(kind) {
    const colours = currentPalette();
    if (!colours || kind.scale !== "diverging") return null;
    const [low, high] = colours.diverging;
    const strip = document.createElement("div");
    strip.className = "help-scale";
    strip.setAttribute("aria-hidden", "true");
    const bar = document.createElement("div");
    bar.className = "help-scale-bar";
    bar.style.background = `linear-gradient(to right, ${css(low)}, ${css(colours.neutral || [255, 255, 255])}, ${css(high)})`;
    const labels = document.createElement("div");
    labels.className = "help-scale-labels";
    for (const text of kind.ends) {
      const span = document.createElement("span");
      span.textContent = text;
      labels.appendChild(span);
    }
    strip.append(bar, labels);
    return strip;
  }

  function fill(key, anchor) {
    const [title, text, kind] = HELP[key];
    const heading = document.createElement("strong");
    heading.className = "help-title";
    heading.textContent = title;
    const body = document.createElement("p");
    body.className = "help-text";
    body.textContent = text;
    const parts = [heading, body];
    const strip = kind ? scaleStrip(kind) : null;
    if (strip) parts.push(strip);
    const now = detail(anchor);
    if (now && now.split("\n")[0] !== title) {
      const line = document.createElement("p");
      line.className = "help-now";
      line.textContent = now.replace(/\n/g, "; ");
      parts.push(line);
    }
    card.replaceChildren(...parts);
    card.dataset.key = key;
  }

  // ------------------------------------------------------------ showing
  function show(found) {
    clearTimeout(timer);
    if (!found || found.anchor === dismissed) return;
    if (shown && shown.anchor !== found.anchor) hide();
    fill(found.key, found.anchor);
    card.hidden = false;
    place(found.anchor);
    const ids = (found.described.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!ids.includes(card.id)) {
      found.described.setAttribute("aria-describedby", [...ids, card.id].join(" "));
    }
    shown = found;
  }

  function hide() {
    clearTimeout(timer);
    if (shown) {
      const ids = (shown.described.getAttribute("aria-describedby") || "").split(" ")
        .filter((id) => id && id !== card.id);
      if (ids.length) shown.described.setAttribute("aria-describedby", ids.join(" "));
      else shown.described.removeAttribute("aria-describedby");
    }
    shown = null;
    card.hidden = true;
  }

  const GAP = 8, MARGIN = 6;

  // Beside the anchor (below, above, right, left: the first that fits in the window and
  // leaves the anchor uncovered); an anchor too big for that (the network, the plane's
  // frame) gets the card beside the mouse pointer instead.
  function place(anchor) {
    const r = anchor.getBoundingClientRect();
    const w = card.offsetWidth, h = card.offsetHeight;
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    const clampX = (x) => Math.max(MARGIN, Math.min(x, vw - w - MARGIN));
    const clampY = (y) => Math.max(MARGIN, Math.min(y, vh - h - MARGIN));
    const around = (box) => [
      [clampX(box.left), box.bottom + GAP], [clampX(box.left), box.top - h - GAP],
      [box.right + GAP, clampY(box.top)], [box.left - w - GAP, clampY(box.top)],
    ];
    const fits = ([x, y], box) => x >= MARGIN && y >= MARGIN && x + w <= vw - MARGIN
      && y + h <= vh - MARGIN && (x >= box.right || x + w <= box.left || y >= box.bottom
      || y + h <= box.top);
    let spot = around(r).find((candidate) => fits(candidate, r));
    if (!spot && pointer) {
      const box = { left: pointer.x - 12, right: pointer.x + 12, top: pointer.y - 12,
                    bottom: pointer.y + 20 };
      spot = around(box).find((candidate) => fits(candidate, box));
    }
    spot = spot || [clampX(r.left), clampY(r.bottom + GAP)];
    card.style.left = `${Math.round(spot[0])}px`;
    card.style.top = `${Math.round(spot[1])}px`;
  }

  // ------------------------------------------------------------ events
  document.addEventListener("mousemove", (event) => {
    pointer = { x: event.clientX, y: event.clientY };
  }, { passive: true });

  document.addEventListener("mouseover", (event) => {
    if (explaining || card.contains(event.target)) { clearTimeout(timer); return; }
    const found = find(event.target);
    if (shown && found && found.anchor === shown.anchor) { clearTimeout(timer); return; }
    clearTimeout(timer);
    if (!found) { timer = setTimeout(hide, 150); return; }
    timer = setTimeout(() => show(found), shown ? 80 : 300);
  });

  document.addEventListener("mouseout", (event) => {
    if (explaining) return;
    const to = event.relatedTarget;
    if (!to) { clearTimeout(timer); timer = setTimeout(hide, 150); }  // left the window
    if (dismissed && !(to && dismissed.contains(to))) dismissed = null;
  });

  // Focus from the keyboard (or into a field) opens the card at once; a mouse click that
  // focuses a button does not (the pointer's hover card is there already).
  document.addEventListener("focusin", (event) => {
    dismissed = null;
    const found = find(event.target);
    if (found && (event.target.matches(":focus-visible") || explaining)) show(found);
    else if (!found && !explaining) hide();
  });

  document.addEventListener("focusout", (event) => {
    if (explaining) return;
    if (shown && !card.contains(event.relatedTarget) && event.target === shown.described) {
      if (!event.relatedTarget || !find(event.relatedTarget)) hide();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (explaining) setExplaining(false);
    if (shown) {
      dismissed = shown.anchor;
      hide();
    }
  });

  // The page rebuilds neuron boxes and weights' lines: a card whose element was replaced
  // follows the new element of the same id (or weight), or closes.
  setInterval(() => {
    if (!shown || shown.anchor.isConnected) return;
    const old = shown.anchor, key = old.getAttribute("data-key");
    const next = old.id ? document.getElementById(old.id)
      : key ? document.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
    const found = next && find(next);
    if (found) show(found); else hide();
  }, 400);

  window.addEventListener("scroll", () => { if (shown) place(shown.anchor); }, true);
  window.addEventListener("resize", () => { if (shown) place(shown.anchor); });

  // Explain mode: the first pointer press on anything opens its card and does nothing else.
  function setExplaining(on) {
    explaining = on;
    toggle.setAttribute("aria-pressed", String(on));
    document.body.classList.toggle("help-explaining", on);
    if (!on) hide();
  }

  toggle.addEventListener("click", () => setExplaining(!explaining));

  const swallow = (event) => {
    if (!explaining || toggle.contains(event.target) || card.contains(event.target)) return;
    event.preventDefault();
    event.stopPropagation();
    if (event.type === "pointerdown") {
      pointer = { x: event.clientX, y: event.clientY };
      const found = find(event.target);
      if (found) show(found); else hide();
    }
  };
  for (const type of ["pointerdown", "mousedown", "touchstart", "click"]) {
    document.addEventListener(type, swallow, { capture: true, passive: false });
  }

  window.mlplabHelp = {
    keys: () => Object.keys(HELP),
    text: (key) => (HELP[key] ? { title: HELP[key][0], text: HELP[key][1] } : null),
    keyOf: (element) => find(element)?.key ?? null,
    show: (element) => show(find(element)),
    hide,
    explaining: () => explaining,
  };
})();
