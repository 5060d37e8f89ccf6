"""The playground's hidden-space view: what the server sends and what the page draws."""

import json
import time

import numpy as np
import pytest

from mlplab.errors import InvalidInputError
from mlplab.web.config import PlaygroundConfig
from mlplab.web.session import Session

NET_2881 = [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}]
XOR_2881 = "?data=xor&layers=8:tanh,8:tanh&opt=adam&lr=0.03&seed=3"


def test_the_view_is_the_layers_activations_on_the_points_and_the_grid():
    session = Session(PlaygroundConfig(dataset="xor", layers=[
        {"units": 2, "activation": "tanh"}], seed=1))
    session.advance(20)
    hidden = session.set_hidden_layer(1)["hidden"]
    W, b = session.model.get_weights()[:2]
    F = session.features.transform(session.X_train)  # the page's inputs (x1, x2)
    assert np.allclose(hidden["points"], np.tanh(F @ W + b), atol=1e-4)
    assert hidden["axis_labels"] == ["layer 1 · n1", "layer 1 · n2"]
    w, bias = session.model.layers[-1].kernel[:, 0], session.model.layers[-1].bias[0]
    assert np.allclose(hidden["boundary"], [*w, bias], atol=1e-4)  # the output's line
    assert len(hidden["grid"]) == 30 and len(hidden["grid"][0]) == 40
    json.dumps(hidden, allow_nan=False)  # plain, finite JSON


def test_wide_layers_go_through_pca_and_bad_layers_are_refused():
    session = Session(PlaygroundConfig(layers=NET_2881))
    hidden = session.set_hidden_layer(2)["hidden"]
    assert hidden["title"] == "layer 2: 8 tanh units (PCA)"
    assert np.asarray(hidden["points"]).shape == (len(session.X_train), 2)
    assert np.asarray(session.set_hidden_layer(3)["hidden"]["points"]).shape[1] == 1  # output
    with pytest.raises(InvalidInputError, match="layer=4; give 1..3"):
        session.set_hidden_layer(4)
    assert "hidden" not in session.set_hidden_layer(None)
    session.set_hidden_layer(3)
    session.configure(PlaygroundConfig(layers=NET_2881[:1]))  # one layer fewer: clamped
    assert session.hidden_layer == 2 and session.frame()["hidden"]["layer"] == 2


@pytest.mark.browser
def test_the_page_draws_the_view_above_20_frames_per_second(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 950}, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/" + XOR_2881)
    page.wait_for_function("document.querySelector('#test-loss').textContent !== '–'")
    assert page.locator("#hidden-figure").is_hidden()
    page.select_option("#hidden-layer", "2")
    page.wait_for_function("!document.querySelector('#hidden-figure').hidden")
    caption = page.text_content("#hidden-caption")
    assert caption.startswith("layer 2: 8 tanh units (PCA): across PC1 of layer 2 (")
    pixels = np.array(page.evaluate("""() => {
        const c = document.querySelector('#hidden');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }"""), dtype=int).reshape(-1, 4)[:, :3]
    orange = (pixels[:, 0] > pixels[:, 2] + 80).sum()
    blue = (pixels[:, 2] > pixels[:, 0] + 80).sum()
    assert orange > 100 and blue > 100  # both classes' points are drawn
    before = page.evaluate("() => ({...window.hiddenStats})")
    page.click("#play")
    started = time.monotonic()
    page.wait_for_timeout(4000)
    after = page.evaluate("() => ({...window.hiddenStats})")
    elapsed = time.monotonic() - started
    page.click("#play")  # pause
    fps = (after["draws"] - before["draws"]) / elapsed
    draw_ms = (after["milliseconds"] - before["milliseconds"]) / max(1, after["draws"]
                                                                      - before["draws"])
    print(f"hidden view: {fps:.1f} frames/s, {draw_ms:.2f} ms per draw")
    assert fps > 20, (fps, draw_ms)
    assert draw_ms < 25
    context.close()
    assert not errors, errors
