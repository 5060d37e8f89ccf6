"""The playground page's links and own data, in chromium: refused links say why and keep
what is valid; the blank plane to draw on, end to end; short links for drawn points."""

from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import numpy as np
import pytest

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

STARTED = "document.querySelector('#train-loss').textContent !== '–'"


@pytest.fixture
def page(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 950}, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.base = url
    yield page
    context.close()
    assert not errors, errors


def query(page):
    return {key: values[0] for key, values in parse_qs(urlparse(page.url).query).items()}


def layer_count(page):
    return page.locator("#columns .column.hidden").count()


# -- refused links ---------------------------------------------------------------------------
def test_a_regression_dataset_with_a_binary_problem_says_so_and_becomes_regression(page):
    page.goto(page.base + "/?data=regression_plane&layers=3:relu&seed=5")
    page.wait_for_function(STARTED)
    error = page.text_content("#error")
    assert page.locator("#error").is_visible()
    assert "real-valued targets" in error and "problem 'regression'" in error
    assert page.input_value("#dataset") == "regression_plane"
    assert page.input_value("#problem") == "regression"
    assert layer_count(page) == 1 and page.input_value("#seed") == "5"  # the rest is kept
    assert query(page) == {"data": "regression_plane", "problem": "regression", "loss": "mse",
                           "layers": "3:relu", "seed": "5"}  # the link in use


def test_too_many_units_drop_the_layers_and_keep_the_rest(page):
    page.goto(page.base + "/?layers=65:relu&data=moons&lr=0.1")
    page.wait_for_function(STARTED)
    error = page.text_content("#error")
    assert "layers.0.units" in error and "64" in error and "65" in error
    assert "default for layers" in error
    assert page.input_value("#dataset") == "moons"
    assert page.input_value("#learning_rate") == "0.1"
    assert layer_count(page) == 2  # the default network
    assert query(page) == {"data": "moons", "lr": "0.1"}


def test_spirals_with_a_binary_problem_becomes_multiclass(page):
    page.goto(page.base + "/?data=spirals&problem=binary&opt=adam")
    page.wait_for_function(STARTED)
    error = page.text_content("#error")
    assert "3 classes; choose problem 'multiclass'" in error
    assert page.input_value("#problem") == "multiclass"
    assert page.input_value("#dataset") == "spirals" and page.input_value("#optimizer") == "adam"
    assert query(page) == {"data": "spirals", "problem": "multiclass", "opt": "adam"}
    assert page.locator("#columns .column.output .neuron").count() == 3


def test_a_valid_link_shows_no_message(page):
    page.goto(page.base + "/?data=circles&layers=6:relu")
    page.wait_for_function(STARTED)
    assert not page.locator("#error").is_visible()
    assert query(page) == {"data": "circles", "layers": "6:relu"}


# -- own data on a blank plane ---------------------------------------------------------------
def plane_pixels(page):
    values = page.evaluate("""() => {
        const c = document.querySelector('#plane');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }""")
    return np.array(values, dtype=np.int32).reshape(-1, 4)[:, :3]


def drawn_points(page):
    return page.evaluate("custom ? custom.points : config.points")


def click(page, x, y, shift=False):
    page.locator("#plane").click(position={"x": x, "y": y},
                                 modifiers=["Shift"] if shift else None)


def test_drawing_own_points_end_to_end(page, screenshot):
    page.goto(page.base + "/?test=0")
    page.wait_for_function(STARTED)
    page.select_option("#dataset", "custom")
    # A blank plane (white and its light grid lines), nothing to train yet, and why.
    pixels = plane_pixels(page)
    assert (pixels.min(axis=1) > 225).mean() > 0.99
    assert "both classes" in page.text_content("#points-status")
    assert page.is_disabled("#play") and page.is_disabled("#step")
    assert query(page)["data"] == "custom"
    click(page, 60, 60)
    assert drawn_points(page)[0][2] == 0
    assert "only class 0" in page.text_content("#points-status")
    assert page.is_disabled("#play")
    click(page, 90, 40)
    click(page, 70, 100)
    screenshot(page, "page_blank_plane.png")  # the blank plane, three points, what is missing
    page.click("#points-undo")
    page.click("#points-undo")
    click(page, 260, 260, shift=True)  # the other class: now a data set, the server takes it
    page.wait_for_function("config.dataset === 'custom' && config.points.length === 2")
    assert [p[2] for p in drawn_points(page)] == [0, 1]
    assert page.is_enabled("#play")
    x, y, _ = drawn_points(page)[0]
    assert x < 0 < y  # top left of the plane: x1 low, x2 high
    page.click("#points-undo")  # one class again: the page waits, says what is missing
    page.wait_for_function("document.querySelector('#play').disabled")
    assert len(drawn_points(page)) == 1
    page.click("#points-clear")
    assert drawn_points(page) == []
    page.click("#points-undo")  # Clear can be undone too
    assert len(drawn_points(page)) == 1
    page.click("#points-clear")
    for k in range(4):  # draw again: four of each class
        click(page, 40 + 20 * k, 50 + 15 * k)
        click(page, 280 - 20 * k, 270 - 15 * k, shift=True)
    page.wait_for_function("config.dataset === 'custom' && config.points.length === 8")
    assert not page.locator("#error").is_visible()
    page.click("#step")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) === 1")
    page.select_option("#learning_rate", "0.3")
    # Labels as the user gave them: "0" and "1", never "0.0".
    heads = page.locator("#confusion tr").first.locator("th").all_text_contents()
    assert heads[1:] == ["0", "1"]
    assert "class 0" in page.text_content("#plane-legend")
    page.click("#play")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) >= 40")
    page.click("#play")
    screenshot(page, "page_drawn_points.png")
    # CSV download: the points as drawn.
    with page.expect_download() as download:
        page.click("#points-csv")
    text = Path(download.value.path()).read_text()
    lines = text.strip().split("\n")
    assert lines[0] == "x1,x2,label" and len(lines) == 9
    rows = [line.split(",") for line in lines[1:]]
    assert sorted(row[2] for row in rows) == ["0"] * 4 + ["1"] * 4
    np.testing.assert_allclose([[float(a), float(b)] for a, b, _ in rows],
                               [p[:2] for p in drawn_points(page)])
    # The link is short and brings the same points back in a fresh tab.
    link = page.url
    assert len(link) < len(page.base) + 120, link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_function(STARTED)
    assert other.input_value("#dataset") == "custom"
    assert other.evaluate("config.points") == drawn_points(page)
    other.close()
    # Another data set and back to custom: a blank plane again, and Undo brings the points.
    drawing = drawn_points(page)
    page.select_option("#dataset", "moons")
    page.wait_for_function("config.dataset === 'moons'")
    page.select_option("#dataset", "custom")
    assert drawn_points(page) == []
    page.click("#points-undo")
    page.wait_for_function("config.dataset === 'custom' && config.points.length === 8")
    assert drawn_points(page) == drawing


def test_a_links_unfinished_drawing_comes_back_as_a_drawing(page):
    page.goto(page.base + "/?data=custom&pts=" + page_encode(page, [[0.5, 0.25, 1]]))
    page.wait_for_function(STARTED)
    assert page.input_value("#dataset") == "custom"
    assert drawn_points(page) == [[0.5, 0.25, 1]]
    assert "only class 1" in page.text_content("#points-status")
    assert not page.locator("#error").is_visible()


def test_a_link_to_an_empty_drawing_opens_a_blank_plane(page):
    page.goto(page.base + "/?data=custom&pts=")
    page.wait_for_function(STARTED)
    assert page.input_value("#dataset") == "custom" and drawn_points(page) == []
    assert "both classes" in page.text_content("#points-status")
    assert not page.locator("#error").is_visible()


def page_encode(page, points):
    if not page.url.startswith("http"):
        page.goto(page.base + "/")
        page.wait_for_function(STARTED)
    return page.evaluate("(points) => encodePoints(points)", points)


def test_points_links_are_compact_and_exact(page):
    page.goto(page.base + "/")
    page.wait_for_function(STARTED)
    rng = np.random.default_rng(0)
    for scale in (1.3, 6.0):  # XOR's plane, and a wider one
        points = [[round(float(x), 3), round(float(y), 3), int(label)] for x, y, label in zip(
            rng.uniform(-scale, scale, 400), rng.uniform(-scale, scale, 400),
            rng.integers(0, 2, 400), strict=True)]
        new = urlencode({"pts": page.evaluate("(points) => encodePoints(points)", points)})
        old = urlencode({"points": ";".join(",".join(str(v) for v in p) for p in points)})
        print(f"400 points in +-{scale}: pts= {len(new)} characters, points= {len(old)}")
        assert len(new) < 0.25 * len(old) and len(new) < 2100
        encoded = parse_qs(new)["pts"][0]
        assert page.evaluate("(text) => decodePoints(text)", encoded) == points
    values = [[0.1, -0.2, 0.5], [1e3, -1e3, -1], [0.0, 0.0, 0.25]]  # regression values too
    assert page.evaluate("(p) => decodePoints(encodePoints(p))", values) == values


# -- a full playground ------------------------------------------------------------------------
def test_a_full_playground_says_so_on_the_page(browser, full_server):
    context = browser.new_context(bypass_csp=True)
    first = context.new_page()
    first.goto(full_server + "/")
    first.wait_for_function(STARTED)
    second = context.new_page()
    second.goto(full_server + "/")
    second.wait_for_selector("#error:not([hidden])")
    text = second.text_content("#error")
    assert "session" in text and "1" in text  # the server's sentence, as it is
    assert "cannot take another page" in second.text_content("#status")
    context.close()
