"""One palette and one output-colour rule: the page's JS and the GIF against mlplab.viz.style.

The page draws with the colours the server sends (``options.palette``) and repeats
:func:`mlplab.viz.style.output_colors` in a few lines of JS (``outputColors``); the
browser tests below run that JS in chromium on the same outputs as the Python rule,
through the bytes the server really sends, and want the same colours within one unit.
"""

import io
import re

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from mlplab.errors import MlplabError
from mlplab.viz import style

pytest.importorskip("fastapi")
from mlplab.web import create_app  # noqa: E402
from mlplab.web.app import STATIC  # noqa: E402
from mlplab.web.config import MAX_CLASSES, PlaygroundConfig  # noqa: E402
from mlplab.web.export import gif_bytes  # noqa: E402
from mlplab.web.session import Session, net_outputs, output_image  # noqa: E402

APP_JS = STATIC / "app.js"
# The page's own scripts: none has colours of its own (both palettes come from the server).
PAGE_JS = [STATIC / name for name in ("app.js", "draw.js", "network.js", "points.js", "hidden.js")]
VALUE_RANGE = (-1.5, 2.5)


def sample_outputs(kind, n_classes=3, seed=0):
    """Outputs of every sort a network gives: typical ones, the edges, ties, NaN."""
    rng = np.random.default_rng(seed)
    if kind == "probability":
        return np.concatenate([rng.uniform(0, 1, 400), [0.0, 0.5, 1.0, 0.499, 0.501, 1e-9,
                                                        np.nan]])
    if kind == "value":
        return np.concatenate([rng.uniform(-3, 4, 400), [-1.5, 0.5, 2.5, np.inf, -np.inf,
                                                         np.nan]])
    sure = np.eye(n_classes)  # one-hot rows: every class wins somewhere, sure
    tie = np.full((1, n_classes), 1 / n_classes)
    boundary = np.zeros((1, n_classes))
    boundary[0, :2] = 0.5
    return np.vstack([rng.dirichlet(np.full(n_classes, 0.3), 300),
                      rng.dirichlet(np.full(n_classes, 5.0), 100), sure, tie, boundary,
                      np.full((1, n_classes), np.nan)])


# -- one palette: the server's ----------------------------------------------------------------
def test_the_colour_blind_choice_comes_from_the_same_registry():
    from fastapi.testclient import TestClient

    with TestClient(create_app(allowed_hosts=["testserver"])) as client:
        palettes = client.get("/api/options").json()["palettes"]
    assert palettes["colorblind"] == style.palette("okabe_ito")
    assert palettes["colorblind"]["classes"][:2] == [[230, 159, 0], [0, 114, 178]]  # Okabe-Ito
    assert palettes["colorblind"]["diverging"] == palettes["colorblind"]["classes"][:2]
    assert style.palette() == style.palette("mlplab")  # the one in use, by default
    with pytest.raises(MlplabError, match="choose one of"):
        style.palette("rainbow")


def test_the_page_gets_the_palette_of_viz_style():
    from fastapi.testclient import TestClient

    with TestClient(create_app(allowed_hosts=["testserver"])) as client:
        palette = client.get("/api/options").json()["palette"]
    assert palette == style.palette()
    hex_rgb = [[round(255 * c) for c in to_rgb(color)] for color in style.CLASS_COLORS]
    assert palette["classes"] == hex_rgb
    assert len(palette["classes"]) == MAX_CLASSES  # each class the page allows has its own
    assert palette["classes"][7] == [0x17, 0xBE, 0xCF]  # the 8th: the same everywhere
    assert palette["diverging"] == hex_rgb[:2] and palette["neutral"] == [255, 255, 255]


def test_the_page_scripts_have_no_colours_of_their_own():
    text = "\n".join(path.read_text() for path in PAGE_JS)
    assert not re.findall(r"\[\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\]", text)  # no RGB lists
    for color in style.CLASS_COLORS:
        assert color.lower() not in text.lower(), color
    # Colours are mixed in one place (shade), so no picture has a formula of its own.
    assert len(re.findall(r"\bmix\(", text)) == 2  # mix's definition and shade's call


# -- one rule: the GIF's ----------------------------------------------------------------------
def test_the_gif_draws_the_network_with_the_same_rule():
    session = Session(PlaygroundConfig(dataset="spirals", problem="multiclass", n_classes=3,
                                       optimizer="adam", learning_rate=0.03, seed=1))
    session.advance(epochs=20)
    size = 120
    frames = io.BytesIO(gif_bytes(session, size=size))
    from PIL import Image

    gif = Image.open(frames)
    gif.seek(gif.n_frames - 1)
    drawn = np.asarray(gif.convert("RGB"), dtype=np.float64).reshape(-1, 3)
    from mlplab.web.build import plane_grid

    points = session.features.transform(plane_grid(session.bounds, size))
    kind, outputs = net_outputs(session.model, points, "multiclass", 3)
    expected = style.output_colors(outputs, kind)
    # Away from the points and the epoch label (the GIF's 255 colours round a little).
    x_min, x_max, y_min, y_max = session.bounds
    px = (session.X_train[:, 0] - x_min) / (x_max - x_min) * (size - 1)
    py = (y_max - session.X_train[:, 1]) / (y_max - y_min) * (size - 1)
    rows, columns = np.divmod(np.arange(size * size), size)
    near = ((columns[:, None] - px) ** 2 + (rows[:, None] - py) ** 2 < 5 ** 2).any(axis=1)
    free = ~near & ~((rows < 16) & (columns < 90))
    assert free.mean() > 0.2
    error = np.abs(drawn[free] - expected[free]).max(axis=1)
    assert np.median(error) <= 2 and np.quantile(error, 0.99) <= 8, np.quantile(error, 0.99)


# -- one rule: the page's JS form, in chromium ------------------------------------------------
@pytest.fixture(scope="module")
def page(browser, server):
    url, _ = server
    context = browser.new_context(bypass_csp=True)  # Playwright's waits are strings
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/")
    page.wait_for_function("typeof sessionId === 'string'")  # started: the palette is in
    yield page
    context.close()
    assert not errors, errors


def js_colors(page, image, discretize):
    colors = page.evaluate("([image, discretize]) => Array.from(outputColors(image, discretize))",
                           [image, discretize])
    return np.array(colors).reshape(-1, 3)


@pytest.mark.browser
@pytest.mark.parametrize("discretize", [False, True])
@pytest.mark.parametrize("kind, n_classes", [("probability", 2), ("value", None),
                                             ("classes", 2), ("classes", 3),
                                             ("classes", MAX_CLASSES)])
def test_the_pages_output_colours_are_the_python_rules(page, kind, n_classes, discretize):
    outputs = sample_outputs(kind, n_classes)
    value_range = VALUE_RANGE if kind == "value" else None
    image = output_image(kind, outputs, value_range)  # the bytes a frame carries
    expected = style.output_colors(outputs, kind, value_range, discretize)
    got = js_colors(page, image, discretize)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1.0)
    if kind == "classes":  # every class's colour was drawn, the 8th too
        winners, _ = style.output_certainty(outputs, kind)
        assert set(winners) == set(range(n_classes))


@pytest.mark.browser
def test_the_pages_point_colours_are_the_python_rules(page):
    labels = list(range(MAX_CLASSES + 2))
    got = page.evaluate("(labels) => labels.map((label) => labelColor(label))", labels)
    np.testing.assert_allclose(got, style.label_colors(labels, "classes"), atol=1e-9)
    values = np.linspace(-2, 3, 41).tolist()
    got = page.evaluate("([values, range]) => values.map((v) => labelColor(v, range))",
                        [values, list(VALUE_RANGE)])
    np.testing.assert_allclose(got, style.label_colors(values, "value", VALUE_RANGE), atol=1e-9)
