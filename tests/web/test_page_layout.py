"""The playground page in chromium: its layout for any allowed net at 1280-1920 px, the
thumbnails of the neurons on screen, keys, focus, the colour-blind palette, and
screenshots of each state (looked at before calling the page done)."""


import numpy as np
import pytest

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

STARTED = "document.querySelector('#train-loss').textContent !== '–'"
BIG = "?data=spirals&problem=multiclass&opt=adam&lr=0.003&layers=" + ",".join(["64:relu"] * 10)
DIVERGING = "?lr=10&layers=64:relu,64:relu,64:relu,64:relu&batch=1"


def open_page(browser, server, width, link="", height=950):
    url, _ = server
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url + "/" + link)
    page.wait_for_function(STARTED)
    page.wait_for_function("window.mlplabStats.framesDrawn > 0")
    return page


def close(page):
    errors = page.errors
    page.context.close()
    assert not errors, errors


def boxes(page):
    return page.evaluate("""() => [...document.querySelectorAll('header, main > section')]
        .map((e) => { const r = e.getBoundingClientRect();
                      return {id: e.id || e.tagName, x0: r.left, y0: r.top, x1: r.right,
                              y1: r.bottom, spill: e.scrollWidth - e.clientWidth}; })""")


def overlap(a, b):
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5 and (
        min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > 0.5)


@pytest.mark.parametrize("width", [1280, 1920])
def test_no_panel_overlaps_another_with_the_largest_net(browser, server, width,
                                                        screenshot):
    page = open_page(browser, server, width, BIG)
    assert page.locator("#columns .column.hidden").count() == 10
    assert page.locator("#columns .column.hidden .neuron").count() == 640
    found = boxes(page)
    assert len(found) == 5  # the header and four panels
    for k, a in enumerate(found):
        assert a["spill"] <= 1, a  # nothing sticks out of a panel: the network scrolls
        for b in found[k + 1:]:
            assert not overlap(a, b), (a, b)
    network = page.evaluate("""() => { const n = document.querySelector('#network');
        return [n.scrollWidth, n.clientWidth]; }""")
    if width == 1920:
        assert network[0] <= network[1] + 1, network  # the whole net in view, no scrolling
    else:
        assert page.locator("#network-scroll").is_visible()  # says how to see the rest
    assert page.locator("#links-canvas").is_visible()  # 37,000 weights: one canvas
    assert page.locator("#links path").count() == 0
    page.click("#play")  # a picture of a net at work, not of its random start
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) >= 20",
                           timeout=60_000)
    page.click("#play")
    screenshot(page, f"page_10x64_{width}.png")
    close(page)


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_default_page_at_each_width(browser, server, width, screenshot):
    page = open_page(browser, server, width)
    for k, a in enumerate(found := boxes(page)):
        for b in found[k + 1:]:
            assert not overlap(a, b), (a, b)
    assert page.locator("#links path.hit").count() == 4 * 2 + 2 * 4 + 2  # clickable weights
    ticks = page.locator("#plane-xticks span").all_text_contents()
    assert len(ticks) >= 3 and ticks[len(ticks) // 2] in ("0", "0.0")  # axes carry values
    assert not page.locator("#network-scroll").is_visible()  # a small net needs no hint
    # A click on a weight's drawn line (its middle, not the wide twin's edge) opens the editor.
    box = page.locator("#links path.link").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator("#weight-editor").is_visible()
    page.click("#weight-close")
    screenshot(page, f"page_default_{width}.png")
    close(page)


def test_thumbnails_follow_the_neurons_on_screen(browser, server):
    page = open_page(browser, server, 1280, BIG)
    page.wait_for_function("sentVisible !== null")
    shown = page.evaluate("JSON.parse(sentVisible)")
    assert len(shown) == 12  # inputs, ten hidden layers, outputs
    assert shown[0] == [0, 2] and shown[1] == [0, 64]
    assert shown[-1] is None  # at 1280 px the output column is scrolled out of view
    page.evaluate("document.querySelector('#network').scrollLeft = 1e6")
    page.wait_for_function("JSON.parse(sentVisible)[11] !== null")
    assert page.evaluate("JSON.parse(sentVisible)")[1] is None  # the first layer left the view
    # The server sends the newly shown neurons' pictures: the last output neuron is drawn.
    page.wait_for_function("""() => {
        const c = document.querySelector('#n-11-2 canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return d.some((v, i) => i % 4 !== 3 && v < 250);
    }""")
    close(page)


@pytest.mark.slow
def test_the_page_keeps_up_with_a_10x64_net(browser, server):
    page = open_page(browser, server, 1920, BIG)
    page.click("#play")
    page.wait_for_function("window.mlplabStats.framesReceived > 3", timeout=60_000)
    before = page.evaluate("({...window.mlplabStats})")
    page.wait_for_timeout(5000)
    after = page.evaluate("({...window.mlplabStats})")
    page.click("#play")
    drawn = after["framesDrawn"] - before["framesDrawn"]
    received = after["framesReceived"] - before["framesReceived"]
    per_draw = (after["drawMilliseconds"] - before["drawMilliseconds"]) / max(drawn, 1)
    print(f"10x64: {received / 5:.1f} frames/s received, {drawn / 5:.1f} drawn, "
          f"{per_draw:.1f} ms per drawing")
    # Frames that come within one paint of each other are drawn once (the latest): the
    # page draws at least 4 a second, or nearly all it gets when the server sends fewer.
    assert drawn / 5 >= min(4.0, 0.8 * received / 5)
    assert per_draw < 100  # at least 10 drawings a second could be made
    close(page)


def epoch(page):
    return int(page.text_content("#epoch").replace(",", ""))


def test_space_plays_and_pauses_and_the_right_arrow_steps(browser, server):
    page = open_page(browser, server, 1400, "?data=xor&layers=4:tanh&opt=adam")
    # Between Play and the first frame of the playing net, the page says it is starting.
    assert "Starting" in page.evaluate("togglePlay(); document.querySelector('#play').textContent")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Pause')")
    page.evaluate("togglePlay()")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Play')")
    page.click("#reset")
    page.wait_for_function("document.querySelector('#epoch').textContent === '0'")
    page.focus("h1")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#epoch').textContent === '1'")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Pause')")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) > 5")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Play')")
    # On a focused button Space still plays and pauses, once (the button does not click too).
    page.focus("#play")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Pause')")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#play').textContent.includes('Play')")
    paused = epoch(page)
    page.wait_for_timeout(500)
    assert epoch(page) == paused
    # In a text field the keys are the field's.
    page.focus("#seed")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert epoch(page) == paused and "Play" in page.text_content("#play")
    close(page)


def outline(page, selector):
    return page.evaluate(f"""() => {{
        const s = getComputedStyle(document.querySelector('{selector}'));
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }}""")


def test_keyboard_focus_is_visible_and_in_order(browser, server):
    page = open_page(browser, server, 1400)
    page.focus("h1")
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
        style, width = outline(page, "*:focus")
        assert style != "none" and width >= 2, (order[-1], style, width)
    assert order.index("reset") < order.index("play") < order.index("step")
    # An input neuron is a button for the keyboard: Enter adds the feature.
    page.focus("#columns .column.inputs .neuron.off")
    page.keyboard.press("Enter")
    page.wait_for_function("config.features.length === 3")
    close(page)


def test_the_colour_blind_palette_is_kept_in_the_link(browser, server, screenshot):
    page = open_page(browser, server, 1400, "?data=spirals&problem=multiclass&showtest=1")
    page.select_option("#palette", "colorblind")
    page.wait_for_function("location.search.includes('palette=colorblind')")
    pixels = np.array(page.evaluate("""() => { const c = document.querySelector('#plane');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""),
        dtype=np.int32).reshape(-1, 4)[:, :3]
    for color in ([230, 159, 0], [0, 114, 178], [0, 158, 115]):  # Okabe-Ito's, at the points
        assert (np.abs(pixels - color).max(axis=1) < 12).sum() > 20, color
    screenshot(page, "page_colorblind.png")
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_function(STARTED)
    assert other.input_value("#palette") == "colorblind"
    other.close()
    close(page)


def test_a_diverged_net_says_the_learning_rate_is_probably_too_large(browser, server,
                                                                      screenshot):
    page = open_page(browser, server, 1400, DIVERGING)
    page.click("#step")
    page.wait_for_selector("#diverged:not([hidden])")
    assert "loss became NaN" in page.text_content("#diverged-title")
    assert "learning rate is probably too large" in page.text_content("#diverged-title")
    screenshot(page, "page_diverged.png")
    page.click("#diverged-lower")  # 10 -> 1, and a fresh start
    page.wait_for_selector("#diverged", state="hidden")
    assert page.input_value("#learning_rate") == "1"
    assert epoch(page) == 0 and page.is_enabled("#play")
    close(page)


def test_without_frames_js_the_page_takes_json_frames(browser, server):
    url, _ = server
    context = browser.new_context(bypass_csp=True)
    context.route("**/static/frames.js", lambda route: route.fulfill(status=404, body=""))
    page = context.new_page()
    page.goto(url + "/?data=xor&layers=4:tanh")
    page.wait_for_function(STARTED)
    page.wait_for_function("socket && socket.readyState === 1")
    assert "frames=binary" not in page.evaluate("socket.url")
    page.click("#step")
    page.wait_for_function("document.querySelector('#epoch').textContent === '1'")
    context.close()


def test_the_page_api_for_help_and_lessons(browser, server):
    page = open_page(browser, server, 1400)
    page.evaluate("window.mlplabPage.ready")
    assert page.evaluate("window.mlplabPage.options().limits.layers") == 10
    answer = page.evaluate("window.mlplabPage.change({dataset: 'moons'})"
                           ".then((a) => a.config.dataset)")
    assert answer == "moons" and "data=moons" in page.url
    page.evaluate("window.mlplabPage.hide(['noise', 'seed'])")
    assert not page.locator("label[data-control=noise]").is_visible()
    assert page.locator("label[data-control=dataset]").is_visible()
    page.evaluate("window.mlplabPage.setStatus('hello from a lesson')")
    assert page.text_content("#status") == "hello from a lesson"
    # A rewritten link keeps its lesson.
    page.evaluate("history.replaceState(null, '', '?lesson=e9'); writeUrl()")
    assert "lesson=e9" in page.url and "data=moons" in page.url
    assert page.evaluate("window.mlplabStats.framesDrawn") >= 1
    close(page)
