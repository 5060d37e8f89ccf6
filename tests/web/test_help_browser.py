"""Explanation cards (static/help.js) and lessons (static/lessons.js) in a real browser."""

import os
import re
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")

from mlplab.web.lessons import LESSONS  # noqa: E402

pytestmark = pytest.mark.browser

STATIC = Path(__file__).parents[2] / "src" / "mlplab" / "web" / "static"
ARTIFACTS = Path(os.environ.get("MLPLAB_ARTIFACTS", "test-artifacts"))
CONTROLS = "button, input, select, a, textarea"
# One of each kind of thing the page draws (the page gives each a data-help key).
DRAWN = ["[data-help^=feature-]", "[data-help=feature-x1-times-x2]", ".neuron[data-help=neuron]",
         "[data-help=output-neuron]", "#links path.hit", "#plane", "[data-help=plane-legend]",
         "#curves", "[data-help=scores]", "#confusion table", "[data-help=link-legend]",
         "[data-help=loss-legend]", "#train-loss", "#test-metric"]
TRAINED = {"e1": 60, "e2": 300, "e3": 60, "e4": 1000, "e5": 100}  # epochs before the picture
MULTICLASS = "?data=blobs&classes=3&problem=multiclass&layers=4:tanh&seed=1"


def open_page(browser, server, link="", width=1400, height=950, csp=False):
    url, _ = server
    context = browser.new_context(viewport={"width": width, "height": height},
                                  bypass_csp=not csp)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: page.errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(url + "/" + link)
    page.wait_for_function("() => window.mlplabPage && window.mlplabHelp && window.mlplabLessons")
    page.evaluate("() => window.mlplabPage.ready")
    page.evaluate("() => window.mlplabLessons.ready")
    page.wait_for_function("() => document.querySelector('#train-loss').textContent !== '–'")
    settle(page)
    return page


def settle(page, quiet_ms=500, tries=40):
    """Wait until no frame has been drawn for ``quiet_ms``: the frames the page asks for
    after its first (the neurons on screen) redraw the weights and the confusion matrix,
    and an element replaced under a test's hover has no card to show."""
    for _ in range(tries):
        before = page.evaluate("window.mlplabStats.framesDrawn")
        page.wait_for_timeout(quiet_ms)
        if page.evaluate("window.mlplabStats.framesDrawn") == before:
            return
    raise AssertionError("the page kept drawing frames while paused")


@pytest.fixture
def page(browser, server):
    page = open_page(browser, server, MULTICLASS)
    yield page
    errors = page.errors
    page.context.close()
    assert not errors, errors


def card(page):
    return page.evaluate("""() => {
        const card = document.getElementById("help-card");
        const box = card.getBoundingClientRect();
        return {visible: !card.hidden && box.width > 0, key: card.dataset.key || null,
                text: card.textContent, role: card.getAttribute("role"),
                box: [box.left, box.top, box.right, box.bottom],
                window: [document.documentElement.clientWidth,
                         document.documentElement.clientHeight]};
    }""")


def overlaps(a, b):
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def assert_card_beside(page, handle, key):
    page.wait_for_function("(key) => !document.getElementById('help-card').hidden && "
                           "document.getElementById('help-card').dataset.key === key", arg=key)
    shown = card(page)
    assert shown["role"] == "tooltip"
    texts = page.evaluate("(key) => window.mlplabHelp.text(key)", key)
    assert texts["title"] in shown["text"] and texts["text"] in shown["text"]
    left, top, right, bottom = shown["box"]
    width, height = shown["window"]
    assert left >= 0 and top >= 0 and right <= width and bottom <= height, shown
    box = handle.evaluate("e => { const r = e.getBoundingClientRect(); "
                          "return [r.left, r.top, r.right, r.bottom]; }")
    small = (box[2] - box[0]) * (box[3] - box[1]) < 0.25 * width * height
    if small:  # the card never covers what it explains
        assert not overlaps(shown["box"], box), (key, shown["box"], box)


def targets(page):
    """Every visible control (by element) and one element of each drawn kind."""
    page.evaluate("""([controls, selectors]) => {
        let n = 0;
        const mark = (e) => { if (!e.dataset.helpTest) e.dataset.helpTest = String(n++); };
        const visible = (e) => e.getClientRects().length > 0
            && getComputedStyle(e).visibility !== "hidden";
        for (const e of document.querySelectorAll(controls)) if (visible(e)) mark(e);
        for (const s of selectors) {
            const e = [...document.querySelectorAll(s)].find(visible);
            if (e) mark(e);
        }
    }""", [CONTROLS, DRAWN])
    return page.locator("[data-help-test]")


def hover(page, handle):
    tag = handle.evaluate("e => e.tagName.toLowerCase()")
    if tag == "path":  # a weight's line: its middle, where the stroke is
        x, y = handle.evaluate("""e => { const p = e.getPointAtLength(e.getTotalLength() / 2);
            const m = e.getScreenCTM(); return [m.a * p.x + m.c * p.y + m.e,
                                                m.b * p.x + m.d * p.y + m.f]; }""")
        page.mouse.move(x, y)
    else:
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 8))


def test_every_control_and_drawn_kind_has_a_card_on_hover(page):
    found = targets(page)
    count = found.count()
    assert count > 40  # the page's controls, and the drawn kinds below
    for selector in DRAWN:
        assert page.locator(selector).count(), selector
    seen = set()
    for index in range(count):
        handle = found.nth(index)
        key = handle.evaluate("e => window.mlplabHelp.keyOf(e)")
        description = handle.evaluate("e => e.outerHTML.slice(0, 120)")
        assert key, f"no explanation for {description}"
        page.mouse.move(1, 1)  # off everything: the last card closes
        page.wait_for_function("() => document.getElementById('help-card').hidden")
        hover(page, handle)
        assert_card_beside(page, handle, key)
        seen.add(key)
    assert {"plane", "link", "neuron", "output-neuron", "feature-x1-times-x2", "loss-chart",
            "confusion", "scores"} <= seen, seen


def test_every_data_help_key_and_id_of_the_page_has_a_text(page):
    missing = page.evaluate("""(controls) => {
        const out = [];
        for (const e of document.querySelectorAll("[data-help]")) {
            if (!window.mlplabHelp.text(e.dataset.help)) out.push(e.dataset.help);
        }
        // Every control, shown or not (the weight editor, the diverged banner's buttons).
        for (const e of document.querySelectorAll(controls)) {
            if (!window.mlplabHelp.keyOf(e)) out.push(e.outerHTML.slice(0, 80));
        }
        return out;
    }""", CONTROLS)
    assert not missing, missing


def listed_help_keys():
    """The keys app.js lists in its "// help keys:" comment (data-help values and ids)."""
    lines = []
    for line in (STATIC / "app.js").read_text(encoding="utf-8").splitlines():
        if line.startswith("// help keys") or (lines and line.startswith("//")):
            lines.append(line[2:])
        elif lines:
            break
    text = re.sub(r"\([^)]*\)", " ", " ".join(lines))  # without the comments' asides
    keys = []
    for part in re.split(r"[:;.]", text)[1:]:
        if "ids of the" not in part:
            keys += [word for word in re.split(r"[\s,]+", part) if word]
    return keys


def test_every_key_app_js_lists_has_a_text(page):
    keys = listed_help_keys()
    assert "neuron" in keys and "link" in keys and len(keys) > 20, keys
    known = set(page.evaluate("() => window.mlplabHelp.keys()"))
    assert not set(keys) - known, set(keys) - known


def test_tab_reaches_every_control_with_its_card_and_escape_closes_it(page):
    page.mouse.move(1, 1)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    visited = []
    for _ in range(200):
        page.keyboard.press("Tab")
        state = page.evaluate("""() => {
            const e = document.activeElement;
            if (!e || e === document.body) return null;
            return {key: window.mlplabHelp.keyOf(e), html: e.outerHTML.slice(0, 100),
                    described: (e.getAttribute("aria-describedby") || "").split(" ")};
        }""")
        if state is None or (visited and state["html"] == visited[0]):
            break
        visited.append(state["html"])
        assert state["key"], f"no explanation for {state['html']}"
        focused = page.evaluate_handle("() => document.activeElement").as_element()
        assert_card_beside(page, focused, state["key"])
        assert "help-card" in state["described"]  # a screen reader reads the card
        page.keyboard.press("Escape")
        page.wait_for_function("() => document.getElementById('help-card').hidden")
        assert "help-card" not in (focused.get_attribute("aria-describedby") or "")
    assert len(visited) > 40, visited  # the whole page, not a few controls


def test_escape_closes_a_hover_card_until_the_pointer_comes_back(page):
    handle = page.locator("#learning_rate")
    hover(page, handle)
    assert_card_beside(page, handle, "learning_rate")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.getElementById('help-card').hidden")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + 3, box["y"] + 3)  # still on it: stays closed
    page.wait_for_timeout(500)
    assert not card(page)["visible"]
    page.mouse.move(1, 1)
    hover(page, handle)
    assert_card_beside(page, handle, "learning_rate")


def test_hidden_parts_get_cards_once_shown(page):
    page.locator("#links path.hit").first.dispatch_event("click")
    page.wait_for_selector("#weight-editor:not([hidden])")
    for selector, key in [("#weight-value", "weight-value"), ("#weight-set", "weight-set"),
                          ("#weight-close", "weight-close")]:
        page.mouse.move(1, 1)
        hover(page, page.locator(selector))
        assert_card_beside(page, page.locator(selector), key)


def test_the_diverged_banner_explains_itself(browser, server):
    page = open_page(browser, server, "?lr=10&layers=64:relu,64:relu,64:relu,64:relu&batch=1")
    page.click("#step")
    page.wait_for_selector("#diverged:not([hidden])")
    for selector, key in [("#diverged-title", "diverged-title"),
                          ("#diverged-lower", "diverged-lower"),
                          ("#diverged-reset", "diverged-reset")]:
        page.mouse.move(1, 1)
        hover(page, page.locator(selector))
        assert_card_beside(page, page.locator(selector), key)
    assert "learning rate" in card(page)["text"]
    errors = page.errors
    page.context.close()
    assert not errors, errors


def test_explain_mode_opens_cards_on_a_tap_and_does_nothing_else(page):
    page.click("#help-toggle")
    assert page.get_attribute("#help-toggle", "aria-pressed") == "true"
    page.click("#step")
    assert_card_beside(page, page.locator("#step"), "step")
    page.wait_for_timeout(400)
    assert page.text_content("#epoch") == "0"  # the tap explained Step, it did not step
    page.click("#plane")
    assert_card_beside(page, page.locator("#plane"), "plane")
    page.keyboard.press("Escape")  # leaves explain mode
    assert page.get_attribute("#help-toggle", "aria-pressed") == "false"
    page.click("#step")
    page.wait_for_function("() => document.querySelector('#epoch').textContent === '1'")


def test_on_a_touch_screen_the_question_mark_explains_what_is_tapped(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=True,
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(url + "/" + MULTICLASS)
    page.wait_for_function("() => window.mlplabPage && window.mlplabHelp")
    page.evaluate("() => window.mlplabPage.ready")
    page.tap("#help-toggle")
    page.tap("[data-help=feature-x1-times-x2]")
    assert_card_beside(page, page.locator("[data-help=feature-x1-times-x2]"),
                       "feature-x1-times-x2")
    page.wait_for_timeout(300)  # the tap explained the feature, it did not switch it on
    assert page.evaluate("() => window.mlplabPage.config().features") == ["x1", "x2"]
    page.tap("#help-toggle")  # off again: a tap uses the control
    assert not card(page)["visible"]
    page.tap("[data-help=feature-x1-times-x2]")
    page.wait_for_function("() => window.mlplabPage.config().features.length === 3")
    context.close()


def test_a_card_open_looks_right(browser, server):
    page = open_page(browser, server, "?data=xor&layers=4:tanh,2:tanh&seed=3", width=1280,
                     height=800, csp=True)
    page.click("#step")
    hover(page, page.locator("#n-1-1"))
    assert_card_beside(page, page.locator("#n-1-1"), "neuron")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "help-card-neuron.png"))
    page.mouse.move(1, 1)
    hover(page, page.locator("[data-help=feature-x1-times-x2]"))
    assert_card_beside(page, page.locator("[data-help=feature-x1-times-x2]"),
                       "feature-x1-times-x2")
    page.screenshot(path=str(ARTIFACTS / "help-card-feature.png"))
    errors = page.errors
    page.context.close()
    assert not errors, errors  # under the page's Content-Security-Policy


# ---------------------------------------------------------------- lessons
def visible_controls(page):
    return page.evaluate("""() => [...new Set([...document.querySelectorAll("[data-control]")]
        .filter((e) => e.getClientRects().length > 0).map((e) => e.dataset.control))]""")


def layers_of(page):
    return page.evaluate("() => window.mlplabPage.config().layers"
                         ".map((l) => [l.units, l.activation])")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_a_lesson_link_sets_the_page_up(browser, server, lesson):
    page = open_page(browser, server, f"?lesson={lesson.id}", width=1280, height=900,
                     csp=True)
    config = page.evaluate("() => window.mlplabPage.config()")
    for field, value in lesson.config.items():
        assert config[field] == value, field
    shown = visible_controls(page)
    assert not set(lesson.hide) & set(shown), set(lesson.hide) & set(shown)
    assert shown  # the rest stays
    assert page.locator("#lesson-box").is_visible()
    assert page.text_content("#lesson-title") == lesson.title
    paragraphs = page.locator("#lesson-text p").all_text_contents()
    assert paragraphs == lesson.text.split("\n\n")
    assert page.input_value("#lesson") == lesson.id
    assert f"lesson={lesson.id}" in page.evaluate("location.search")
    hidden_units = sum(units for units, _ in layers_of(page))
    page.wait_for_function("(n) => document.querySelectorAll("
                           "'#columns .column.hidden .neuron').length === n", arg=hidden_units)
    # The lesson under way, as a class would see it: trained for a while, then paused.
    page.click("#play")
    page.wait_for_function("(n) => Number(document.querySelector('#epoch').textContent"
                           ".replace(/,/g, '')) >= n", arg=TRAINED[lesson.id], timeout=60_000)
    page.click("#play")
    page.wait_for_function("() => document.querySelector('#play').textContent.includes('Play')")
    page.mouse.move(1, 1)
    page.evaluate("() => document.activeElement.blur()")
    page.wait_for_function("() => document.getElementById('help-card').hidden")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lesson-{lesson.id}.png"), full_page=True)
    errors = page.errors
    page.context.close()
    assert not errors, errors


def test_a_links_own_parameters_win_over_the_lessons(browser, server):
    page = open_page(browser, server, "?lesson=e4&seed=0&lr=0.03&hide=seed")
    config = page.evaluate("() => window.mlplabPage.config()")
    assert config["seed"] == 0 and config["learning_rate"] == 0.03  # the link's
    assert [layer["units"] for layer in config["layers"]] == [25, 50, 50, 25]  # the lesson's
    assert "seed" not in visible_controls(page)  # the link's hide= adds to the lesson's
    page.context.close()


def test_the_menu_switches_lessons_and_no_lesson_restores_every_control(page):
    everything = set(visible_controls(page))
    page.select_option("#lesson", "e1")
    page.wait_for_function("() => window.mlplabPage.config().layers.length === 3")
    assert layers_of(page) == [[2, "linear"]] * 3
    assert page.text_content("#lesson-title") == LESSONS[0].title
    assert not set(LESSONS[0].hide) & set(visible_controls(page))
    page.wait_for_function("() => location.search.includes('lesson=e1')")
    page.select_option("#lesson", "e3")
    page.wait_for_function("() => window.mlplabPage.config().layers.length === 0")
    assert page.evaluate("() => window.mlplabPage.config().dataset") == "gaussian_quantiles"
    page.wait_for_function("() => location.search.includes('lesson=e3')")
    page.click("#lesson-toggle")  # the text folds away, the lesson stays
    assert not page.locator("#lesson-text").is_visible()
    assert page.get_attribute("#lesson-toggle", "aria-expanded") == "false"
    page.click("#lesson-toggle")
    assert page.locator("#lesson-text").is_visible()
    page.select_option("#lesson", "")
    page.wait_for_function("() => !location.search.includes('lesson=')")
    assert not page.locator("#lesson-box").is_visible()
    assert everything <= set(visible_controls(page))
    assert page.evaluate("() => window.mlplabPage.config().dataset") == "gaussian_quantiles"


def test_an_unknown_lesson_says_so(browser, server):
    page = open_page(browser, server, "?lesson=e9")
    assert page.locator("#lesson-box").is_visible()
    assert page.text_content("#lesson-title") == 'There is no lesson "e9"'
    assert "e1, e2, e3, e4, e5" in page.text_content("#lesson-text")
    assert "lesson=" not in page.evaluate("location.search")
    assert page.input_value("#lesson") == ""
    page.context.close()
