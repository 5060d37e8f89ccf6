"""The playground page in a real browser: Playwright driving Debian's chromium."""

import os
from pathlib import Path

import numpy as np
import pytest

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("MLPLAB_ARTIFACTS", "test-artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# 2-4-1 on XOR: one hidden layer of 4 tanh neurons, Adam, learning rate 0.03.
XOR_241 = "?data=xor&layers=4:tanh&opt=adam&lr=0.03&seed=3"


@pytest.fixture(scope="module")
def browser(chromium_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.base = url
    yield page
    context.close()
    assert not errors, errors


def canvas_pixels(page, selector="#plane"):
    values = page.evaluate(f"""() => {{
        const c = document.querySelector("{selector}");
        return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
    }}""")
    return np.array(values, dtype=np.uint8).reshape(-1, 4)[:, :3]


def number(page, selector):
    return float(page.text_content(selector).replace(",", ""))


def test_xor_241_trains_live_and_the_picture_changes(page):
    page.goto(page.base + "/" + XOR_241)
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    assert page.locator("#columns .column.hidden .neuron").count() == 4
    before_loss, before = number(page, "#test-loss"), canvas_pixels(page)
    page.click("#play")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) >= 120",
                           timeout=30_000)
    page.click("#play")  # pause
    page.wait_for_function("document.querySelector('#play').textContent.includes('Play')")
    after_loss, after = number(page, "#test-loss"), canvas_pixels(page)
    assert after_loss < 0.7 * before_loss
    assert number(page, "#test-metric") > 0.85
    assert np.abs(after.astype(int) - before).mean() > 10  # the heat map moved
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "playground_xor_241.png"
    page.screenshot(path=str(shot), full_page=True)
    from PIL import Image

    box = page.locator("#plane").bounding_box()
    image = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int32)
    canvas = image[int(box["y"]):int(box["y"] + box["height"]),
                   int(box["x"]):int(box["x"] + box["width"])]
    # Not blank: both class colours show, and the picture is far from one flat colour.
    assert canvas.std(axis=(0, 1)).mean() > 20
    blueish = (canvas[..., 2] > canvas[..., 0] + 60).mean()
    orangeish = (canvas[..., 0] > canvas[..., 2] + 60).mean()
    assert blueish > 0.1 and orangeish > 0.1


def test_the_url_holds_the_setup_and_hides_controls(page):
    page.goto(page.base + "/?data=moons&layers=8:relu,8:relu&hide=dataset,noise&showtest=1")
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    assert not page.locator("label[data-control=dataset]").is_visible()
    assert not page.locator("label[data-control=noise]").is_visible()
    assert page.locator("label[data-control=optimizer]").is_visible()
    assert page.locator("#columns .column.hidden").count() == 2
    assert page.input_value("#dataset") == "moons"
    page.select_option("#optimizer", "rmsprop")
    page.wait_for_function("location.search.includes('opt=rmsprop')")
    page.click("#add-layer")
    page.wait_for_function("document.querySelectorAll('#columns .column.hidden').length === 3")
    link = page.evaluate("location.href")
    # The link rebuilds the same setup in a fresh tab (its own session).
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    assert other.input_value("#optimizer") == "rmsprop"
    assert other.locator("#columns .column.hidden").count() == 3
    other.close()


def test_a_bad_choice_shows_the_servers_message(page):
    page.goto(page.base + "/?data=spirals&classes=3&problem=multiclass")
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    page.select_option("#problem", "binary")
    page.wait_for_selector("#error:not([hidden])")
    assert "3 classes; choose problem 'multiclass'" in page.text_content("#error")
    assert page.input_value("#problem") == "multiclass"  # the control goes back


def test_clicking_a_connection_edits_its_weight(page):
    page.goto(page.base + "/" + XOR_241)
    page.wait_for_function("document.querySelectorAll('#links path.hit').length === 12")
    page.locator("#links path.hit").first.dispatch_event("click")
    assert page.locator("#weight-editor").is_visible()
    page.fill("#weight-value", "2.5")
    page.click("#weight-set")
    page.wait_for_function("document.querySelector('#links path.hit title').textContent"
                           " === 'weight 2.500'")


def test_clicks_on_the_plane_add_points(page):
    page.goto(page.base + "/?data=custom&points=-0.5,-0.5,0;0.5,0.5,1&test=0")
    page.wait_for_function("document.querySelector('#train-loss').textContent !== '–'")
    page.select_option("#paint-label", "1")
    page.locator("#plane").click(position={"x": 40, "y": 40})
    page.wait_for_function("new URLSearchParams(location.search).get('points')"
                           ".split(';').length === 3")
