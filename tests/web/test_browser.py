"""The playground page in a real browser: Playwright driving Debian's chromium."""

import os
from pathlib import Path

import numpy as np
import pytest

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("MLPLAB_ARTIFACTS", "test-artifacts"))
# 2-4-1 on XOR: one hidden layer of 4 tanh neurons, Adam, learning rate 0.03.
XOR_241 = "?data=xor&layers=4:tanh&opt=adam&lr=0.03&seed=3"


@pytest.fixture
def page(browser, server):
    url, _ = server
    # Playwright's waits evaluate strings in the page, which the page's Content-Security-
    # Policy forbids; bypassing it also shows that the page itself renders data as text.
    # test_the_page_works_under_its_content_security_policy keeps the policy on.
    context = browser.new_context(viewport={"width": 1400, "height": 950}, bypass_csp=True)
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
    page.wait_for_function("decodePoints(new URLSearchParams(location.search).get('pts'))"
                           ".length === 3")


# -- the security review's findings, in the browser ----------------------------------------
XSS_LABELS = ["<img src=x onerror=window.__pwned=1>", "<b>bold</b>",
              "</th><script>window.__pwned=2</script>"]
# Learning rate 10, four ReLU layers of 64, batch 1: all allowed, and the loss diverges.
DIVERGING = "?lr=10&layers=64:relu,64:relu,64:relu,64:relu&batch=1"


def xss_csv():
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{rng.normal(2 * (i % 3)):.3f},{rng.normal(-(i % 3)):.3f},"
                              f"{XSS_LABELS[i % 3]}" for i in range(90)]
    return ("\n".join(rows) + "\n").encode()


def assert_not_run(page):
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img, script:not([src])").count() == 0  # no element was injected


def test_html_in_uploaded_labels_shows_as_text_and_never_runs(page):
    page.goto(page.base + "/")
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    page.set_input_files("#upload", files=[{"name": "labels.csv", "mimeType": "text/csv",
                                            "buffer": xss_csv()}])
    page.wait_for_function("document.querySelectorAll('#confusion th').length === 7")
    heads = page.locator("#confusion tr").first.locator("th").all_text_contents()
    assert heads[1:] == sorted(XSS_LABELS)  # literally, as text
    assert page.locator("#confusion b").count() == 0
    assert_not_run(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground_xss_upload.png"), full_page=True)
    # An error message that quotes the file's HTML is text too.
    page.set_input_files("#upload", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                            "buffer": b"1,2,0\n<img src=x onerror=window."
                                                      b"__pwned=3>,2,1\n"}])
    page.wait_for_selector("#error:not([hidden])")
    assert "<img src=x onerror=window.__pwned=3>" in page.text_content("#error")
    assert_not_run(page)


def test_html_in_a_links_setup_shows_as_text_in_the_error(page):
    page.goto(page.base + "/?data=%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E")
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    page.wait_for_selector("#error:not([hidden])")
    assert "unknown dataset '<img src=x onerror=window.__pwned=1>'" in page.text_content("#error")
    assert_not_run(page)


def test_a_diverging_net_says_why_and_reset_recovers(page):
    page.goto(page.base + "/" + DIVERGING)
    page.wait_for_function("document.querySelector('#train-loss').textContent !== '–'")
    assert not page.locator("#diverged").is_visible()
    page.click("#step")
    page.wait_for_selector("#diverged:not([hidden])")
    text = page.text_content("#diverged")
    assert "diverged" in text and "NaN" in text and "learning rate 10" in text
    assert page.locator("#diverged-reset").is_visible()
    assert page.is_disabled("#play") and page.is_disabled("#step")
    assert page.text_content("#train-loss") != "–"  # the scores of the network before
    assert canvas_pixels(page).std(axis=0).mean() > 1  # ... and its picture, not a blank
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground_diverged.png"))  # the banner, the picture
    page.click("#diverged-reset")
    page.wait_for_selector("#diverged", state="hidden")
    assert page.is_enabled("#play") and number(page, "#epoch") == 0
    # With a learning rate it can take, the same network trains.
    page.select_option("#learning_rate", "0.003")
    page.wait_for_function("location.search.includes('lr=0.003')")
    page.click("#step")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent) === 1")
    assert not page.locator("#diverged").is_visible()


def test_the_page_works_under_its_content_security_policy(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.goto(url + "/" + XOR_241)
    playwright.expect(page.locator("#test-loss")).not_to_have_text("–")
    page.click("#step")  # over the websocket
    playwright.expect(page.locator("#epoch")).to_have_text("1")
    context.close()
    assert not refused, refused
