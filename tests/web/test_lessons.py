"""The playground's lessons (web/lessons.py): valid setups, real controls, honest texts."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("pydantic")

from mlplab.errors import UnknownNameError  # noqa: E402
from mlplab.web.config import PlaygroundConfig, options  # noqa: E402
from mlplab.web.lessons import LESSONS, get_lesson, lesson_list  # noqa: E402

STATIC = Path(__file__).parents[2] / "src" / "mlplab" / "web" / "static"
EXPERIMENTS = Path("/work/shared/reference/experiments.md")


class _DataControls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        value = dict(attrs).get("data-control")
        if value:
            self.names.add(value)


def data_controls():
    parser = _DataControls()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    return parser.names


def merged(lesson):
    return PlaygroundConfig(**{**PlaygroundConfig().model_dump(), **lesson.config})


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_each_lessons_setup_is_a_valid_playground_config(lesson):
    config = merged(lesson)
    # Validation keeps what the lesson says (no field silently changed, e.g. reordered).
    dumped = config.model_dump()
    for key, value in lesson.config.items():
        assert dumped[key] == value, key


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_each_hidden_name_is_a_data_control_of_the_page(lesson):
    names = data_controls()
    assert "dataset" in names and "layers" in names  # the parser sees the page's controls
    assert set(lesson.hide) <= names, set(lesson.hide) - names
    assert len(set(lesson.hide)) == len(lesson.hide)


def test_every_reference_experiment_has_one_lesson():
    assert [lesson.id for lesson in LESSONS] == ["e1", "e2", "e3", "e4", "e5"]
    assert [lesson.experiment for lesson in LESSONS] == ["E1", "E2", "E3", "E4", "E5"]
    if EXPERIMENTS.exists():  # the reference notes name the same five
        headings = [line.split(".")[0][3:] for line in EXPERIMENTS.read_text().splitlines()
                    if line.startswith("## E")]
        assert headings == ["E1", "E2", "E3", "E4", "E5"]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_each_text_is_short_plain_and_says_what_to_try(lesson):
    paragraphs = lesson.text.split("\n\n")
    assert 2 <= len(paragraphs) <= 4
    assert len(lesson.text) < 900
    assert "<" not in lesson.text and "<" not in lesson.title  # shown as text anyway
    assert "Play" in lesson.text  # what to try ...
    assert "look" in lesson.text.lower() or "watch" in lesson.text.lower()  # ... and to see
    assert lesson.title.startswith(lesson.experiment)


def test_options_list_the_lessons_as_json():
    listed = options()["lessons"]
    assert listed == lesson_list()
    assert json.loads(json.dumps(listed)) == listed
    assert [entry["id"] for entry in listed] == [lesson.id for lesson in LESSONS]
    assert set(listed[0]) == {"id", "experiment", "title", "config", "hide", "text"}
    listed[0]["config"]["dataset"] = "changed"  # a copy: the lesson itself stays
    assert LESSONS[0].config["dataset"] == "moons"


def test_the_api_sends_the_lessons():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from mlplab.web import create_app

    with TestClient(create_app(allowed_hosts=["testserver"])) as client:
        answer = client.get("/api/options").json()
    assert [entry["id"] for entry in answer["lessons"]] == ["e1", "e2", "e3", "e4", "e5"]


def test_get_lesson_by_name_and_a_clear_error_for_a_wrong_one():
    assert get_lesson("E2") is LESSONS[1]
    with pytest.raises(UnknownNameError, match=r"unknown lesson 'e6'.*e1, e2, e3, e4, e5"):
        get_lesson("e6")


def test_the_lessons_nets_are_the_experiments_nets():
    e1, e2, e3, e4, e5 = (merged(lesson) for lesson in LESSONS)
    assert [(layer.units, layer.activation) for layer in e1.layers] == [(2, "linear")] * 3
    assert [(layer.units, layer.activation) for layer in e2.layers] == [(4, "sigmoid"),
                                                                       (3, "sigmoid")]
    assert e2.batch_size == 1 and e2.dataset == "xor"
    assert e3.layers == [] and e3.dataset == "gaussian_quantiles" and e3.n_classes == 2
    assert [layer.units for layer in e4.layers] == [25, 50, 50, 25]
    # Full batch: the batch is every training point (200 points, a fifth for testing).
    assert e4.batch_size == round(e4.n_samples * (1 - e4.test_ratio))
    assert e4.baseline == "svc_rbf"
    assert (e5.problem, e5.optimizer, e5.batch_size) == ("multiclass", "momentum", 100)


def _trained(config, epochs):
    from mlplab.web.session import Session

    return Session(config).advance(epochs)


@pytest.mark.slow
def test_e1_what_the_text_promises_happens():
    """E1's text: linear layers stop near 0.88; tanh layers pass 0.98 within ~50 epochs."""
    linear = merged(LESSONS[0])
    assert _trained(linear, 200)["train_metric"] < 0.9
    bent = linear.model_copy(update={"layers": [layer.model_copy(update={"activation": "tanh"})
                                                for layer in linear.layers]})
    assert _trained(bent, 60)["test_metric"] > 0.98


@pytest.mark.slow
def test_e3_and_e5_what_the_texts_promise_happens():
    e3 = merged(LESSONS[2])
    assert _trained(e3, 100)["test_metric"] < 0.65  # no hidden layer: a coin toss
    deeper = PlaygroundConfig(**{**e3.model_dump(), "layers": [{"units": 10,
                                                                "activation": "tanh"}]})
    assert _trained(deeper, 100)["test_metric"] > 0.95
    assert _trained(merged(LESSONS[4]), 100)["test_metric"] > 0.98


def test_the_docs_page_lists_every_lesson():
    page = Path(__file__).parents[2] / "docs" / "playground-lessons.md"
    text = page.read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert f"`/?lesson={lesson.id}` | {lesson.title} |" in text, lesson.id
