// Lessons (mlplab/web/lessons.py, sent in /api/options): a menu in the header and, for the
// chosen lesson, a box with its text. /?lesson=e2 sets the page up for lesson e2: the
// lesson's setup goes to the server through mlplabPage.change (every link parameter given
// beside lesson= wins over it), mlplabPage.hide hides what the lesson does not need.
// Choosing "no lesson" shows every control again and keeps the setup as it is.
// Lesson texts arrive from the server and are put in the page as text only.
"use strict";

(() => {
  // The link's names for the setup's fields (app.js's URL_KEYS, with the two it writes
  // itself), to know which fields a link gives.
  const LINK_KEYS = {
    dataset: "data", n_samples: "n", noise: "noise", n_classes: "classes", test_ratio: "test",
    seed: "seed", features: "features", problem: "problem", loss: "loss", dropout: "dropout",
    optimizer: "opt", learning_rate: "lr", l1: "l1", l2: "l2", batch_size: "batch",
    epochs_per_frame: "speed", stop_epochs: "stop", stop_loss: "stoploss", baseline: "baseline",
    resolution: "res", layers: "layers", points: "points",
  };

  // The link as opened: app.js rewrites the address from the setup (dropping values equal
  // to the defaults), but a link's seed=0 still says "seed 0, not the lesson's".
  const LINK = new URLSearchParams(location.search);
  let lessons = [];
  let current = null;

  function make(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    element.append(...children);
    return element;
  }

  // ------------------------------------------------------------ the menu and the box
  const menu = make("select", { id: "lesson" }, make("option", { value: "" }, "no lesson"));
  const menuLabel = make("label", { class: "inline lesson-menu" }, "Lesson", menu);
  const header = document.querySelector("header");
  const after = header && (header.querySelector("#epoch-counter") || header.querySelector(".counter"));
  if (after) after.after(menuLabel); else if (header) header.appendChild(menuLabel);

  const title = make("h2", { id: "lesson-title" });
  const toggle = make("button", { id: "lesson-toggle", type: "button", "aria-expanded": "true",
                                  "aria-controls": "lesson-text" }, "Hide text");
  const text = make("div", { id: "lesson-text" });
  const box = make("section", { id: "lesson-box", "aria-labelledby": "lesson-title" },
                   make("div", { class: "lesson-head" }, title, toggle), text);
  box.hidden = true;
  (header ? header.after(box) : document.body.prepend(box));

  toggle.addEventListener("click", () => setFolded(!box.classList.contains("folded")));

  function setFolded(folded) {
    box.classList.toggle("folded", folded);
    toggle.setAttribute("aria-expanded", String(!folded));
    toggle.textContent = folded ? "Show text" : "Hide text";
  }

  function showBox(lesson) {
    box.hidden = !lesson;
    if (!lesson) return;
    title.textContent = lesson.title;
    text.replaceChildren(...lesson.text.split("\n\n").map((paragraph) => make("p", {}, paragraph)));
    setFolded(false);
  }

  // ------------------------------------------------------------ choosing a lesson
  function linkParameters() { return new URLSearchParams(location.search); }

  function setLinkLesson(id) {
    const params = linkParameters();
    if (id) params.set("lesson", id); else params.delete("lesson");
    const query = params.toString();
    history.replaceState(null, "", query ? `?${query}` : location.pathname);
  }

  // The lesson's setup without the fields the link gives (those win), when from a link.
  function setupOf(lesson, fromLink) {
    if (!fromLink) return { ...lesson.config };
    const setup = {};
    for (const [field, value] of Object.entries(lesson.config)) {
      if (!LINK.has(LINK_KEYS[field] || field)) setup[field] = value;
    }
    return setup;
  }

  async function start(lesson, fromLink) {
    const page = window.mlplabPage;
    current = lesson;
    menu.value = lesson.id;
    setLinkLesson(lesson.id);
    showBox(lesson);
    const linkHide = fromLink ? (LINK.get("hide") || "").split(",").filter(Boolean) : [];
    page.hide([...new Set([...lesson.hide, ...linkHide])]);
    await page.change(setupOf(lesson, fromLink));
    page.hide([...new Set([...lesson.hide, ...linkHide])]);  // after the rebuild, again
  }

  function leave() {
    current = null;
    menu.value = "";
    setLinkLesson(null);
    showBox(null);
    window.mlplabPage.hide([]);
  }

  menu.addEventListener("change", () => {
    const lesson = lessons.find((entry) => entry.id === menu.value);
    if (lesson) start(lesson, false); else leave();
  });

  async function socketCaughtUp(framesBefore, milliseconds) {
    const until = performance.now() + milliseconds;
    while ((window.mlplabStats?.framesReceived ?? Infinity) <= framesBefore
           && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function init() {
    const page = window.mlplabPage;
    if (!page) {  // app.js has no page API: the menu cannot do anything
      menuLabel.hidden = true;
      return;
    }
    await page.ready;
    const atReady = window.mlplabStats?.framesReceived ?? 0;
    lessons = page.options().lessons || [];
    menu.append(...lessons.map((lesson) => make("option", { value: lesson.id }, lesson.title)));
    const asked = LINK.get("lesson");
    if (!asked) return;
    const lesson = lessons.find((entry) => entry.id === asked.trim().toLowerCase());
    // The websocket's first message repeats the network as it was when the socket opened:
    // wait for it (at most 2 s), so that it cannot land after the lesson's network.
    if (lesson) await socketCaughtUp(atReady, 2000);
    if (lesson) await start(lesson, true);
    else {  // said in the lesson's box, where the lesson would have been
      showBox({ title: `There is no lesson "${asked}"`,
                text: `The lessons are ${lessons.map((entry) => entry.id).join(", ")}: ` +
                      "choose one in the Lesson menu." });
      setLinkLesson(null);
    }
  }

  window.mlplabLessons = { current: () => current, ready: null };
  window.mlplabLessons.ready = init().catch((error) => {
    window.mlplabPage?.setStatus?.(`The lessons could not start: ${error}`);
  });
})();
