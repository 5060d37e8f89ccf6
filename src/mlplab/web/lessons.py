"""Lessons: the playground set up for one reference experiment (E1-E5), with a short text.

A lesson is a link, ``/?lesson=e2``: the page (``static/lessons.js``) asks the server for
the lesson's partial setup (through ``mlplabPage.change``), hides the controls the lesson
does not need and shows the text of what to try and what to look for. Parameters given in
the link beside ``lesson=`` win over the lesson's own setup, so a teacher can start a lesson
from another seed: ``/?lesson=e2&seed=4``.

Each ``config`` uses only fields of :class:`~mlplab.web.config.PlaygroundConfig`, merged
over its defaults (``tests/web/test_lessons.py`` validates every lesson that way), and each
name in ``hide`` is a ``data-control`` of the page's ``index.html``. The experiments
themselves are described in the reference notes and the example notebooks
(``examples/notebooks/e1_linear_vs_nonlinear.ipynb`` ...); a lesson is the nearest the
playground gets to one: for example E5's momentum is the page's 0.9, not the notes' 0.99.
"""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Lesson:
    """One lesson of the playground."""

    id: str  # the link's value: /?lesson=<id>
    experiment: str  # the reference experiment it follows, "E1" .. "E5"
    title: str
    config: dict[str, Any]  # a partial PlaygroundConfig: only the fields the lesson sets
    hide: tuple[str, ...] = ()  # data-control names of index.html that the lesson does not need
    text: str = ""  # for students: what to try and what to look for; paragraphs split by \n\n


def _layers(*specs: tuple[int, str]) -> list[dict[str, Any]]:
    """``_layers((4, "tanh"), ...)`` as the config's list of layer dicts."""
    return [{"units": units, "activation": activation} for units, activation in specs]


# Controls no lesson needs: the data comes from the lesson, not from clicks or files.
_DATA = ("dataset", "noise", "classes", "samples", "test", "upload", "paint", "csv")
_TRAINING = ("problem", "loss", "regularization", "dropout", "stop")

LESSONS = (
    Lesson(
        id="e1", experiment="E1", title="E1 · Linear vs non-linear",
        config={"dataset": "moons", "n_samples": 1000, "noise": 0.05, "test_ratio": 0.5,
                "seed": 0, "features": ["x1", "x2"],
                "layers": _layers((2, "linear"), (2, "linear"), (2, "linear")),
                "problem": "binary", "loss": "cross_entropy", "optimizer": "adam",
                "learning_rate": 0.01, "batch_size": 100, "epochs_per_frame": 1,
                "baseline": "none"},
        hide=_DATA + _TRAINING + ("optimizer", "batch", "baseline", "confusion"),
        text=(
            "This net has three hidden layers of 2 neurons and no activation (linear). "
            "Press Play: however long it trains, the boundary on the output plane stays a "
            "straight line, and accuracy stops near 0.88. Stacked linear layers add up to "
            "one linear map.\n\n"
            "Now make the boundary bend: choose tanh in the menu above each hidden layer and "
            "press Play again. Look for the boundary curving between the two moons, and "
            "accuracy rising above 0.98 within about 50 epochs.\n\n"
            "Then make only one layer tanh: is one bending layer enough? Does it matter "
            "which one?")),
    Lesson(
        id="e2", experiment="E2", title="E2 · Hidden neurons at work",
        config={"dataset": "xor", "n_samples": 400, "noise": 0.1, "test_ratio": 0.5,
                "seed": 0, "features": ["x1", "x2"],
                "layers": _layers((4, "sigmoid"), (3, "sigmoid")),
                "problem": "binary", "loss": "cross_entropy", "optimizer": "sgd",
                "learning_rate": 0.03, "batch_size": 1, "epochs_per_frame": 2,
                "baseline": "none"},
        hide=_DATA + _TRAINING + ("optimizer", "batch", "baseline", "confusion"),
        text=(
            "XOR: blue where x1 and x2 have different signs, orange where they agree. No "
            "straight line separates the two. This 2-4-3-1 sigmoid net learns one point at "
            "a time (batch size 1).\n\n"
            "Press Play and watch the small pictures of the hidden neurons. A neuron of the "
            "first layer can only draw one straight line: it lights up on one side of it. "
            "Look for each one taking one side of XOR, one edge of a blue corner. The second "
            "layer combines these lines into bent regions; the output joins them into XOR "
            "(test accuracy near 0.9 after 300 epochs).\n\n"
            "Then remove the second layer (the \u2212 button) and one neuron for a 2-3-1 net: "
            "it has a harder time. Change the seed a few times: does it always get there?")),
    Lesson(
        id="e3", experiment="E3", title="E3 · Deeper is better",
        config={"dataset": "gaussian_quantiles", "n_classes": 2, "n_samples": 2000,
                "test_ratio": 0.3, "seed": 0, "features": ["x1", "x2"], "layers": [],
                "problem": "binary", "loss": "cross_entropy", "optimizer": "adam",
                "learning_rate": 0.01, "batch_size": 32, "epochs_per_frame": 2,
                "baseline": "none"},
        hide=_DATA + _TRAINING + ("optimizer", "batch", "baseline", "confusion"),
        text=(
            "One class fills a disc in the middle, the other a ring around it. The net "
            "starts with no hidden layer: its one output neuron draws one straight line, so "
            "test accuracy stays near 0.5, a coin toss.\n\n"
            "Add a hidden layer (the + button under Network) and give it 3 tanh neurons; "
            "Play. Then 10 neurons; then a second layer of 10. Each time, read the test "
            "accuracy in "
            "the scores table and look at the boundary: 3 neurons give a shape with "
            "corners, more neurons round it into a circle.\n\n"
            "The workshop's single runs found 0.77, 0.97 and 0.99; its 0.77 was probably an "
            "unlucky start. Change the seed: how much does it vary? Then choose relu "
            "instead of tanh and compare.")),
    Lesson(
        id="e4", experiment="E4", title="E4 · A network against an SVM",
        config={"dataset": "circles", "n_samples": 200, "noise": 0.2, "test_ratio": 0.2,
                "seed": 42, "features": ["x1", "x2"],
                "layers": _layers((25, "relu"), (50, "relu"), (50, "relu"), (25, "relu")),
                "problem": "binary", "loss": "cross_entropy", "optimizer": "sgd",
                "learning_rate": 0.1, "batch_size": 160, "epochs_per_frame": 10,
                "baseline": "svc_rbf"},
        hide=("noise", "classes", "samples", "test", "upload", "paint", "csv") + _TRAINING
        + ("optimizer", "learning-rate", "batch", "confusion"),
        text=(
            "Noisy circles: 200 points, a fifth of them kept aside for testing. A deep ReLU "
            "net (2-25-50-50-25-1) learns by plain gradient descent on all 160 training "
            "points at each step. Beside it: an RBF support vector machine fitted to the "
            "same points.\n\n"
            "Press Play for a few thousand epochs (each frame trains 10). Compare the net's "
            "test accuracy in the scores table with the SVM's under its picture (the "
            "homework found 0.85 for the net, 0.88 for the SVM). Look at the two "
            "boundaries too: which one follows the noise, which one stays round?\n\n"
            "Then choose moons as the dataset (both found 0.93), and logistic regression in "
            "Compare with: a straight line, for either data set.")),
    Lesson(
        id="e5", experiment="E5", title="E5 · XOR, Keras style",
        config={"dataset": "xor", "n_samples": 2000, "noise": 0.0, "test_ratio": 0.5,
                "seed": 0, "features": ["x1", "x2"],
                "layers": _layers((4, "relu"), (4, "relu")),
                "problem": "multiclass", "loss": "cross_entropy", "optimizer": "momentum",
                "learning_rate": 0.01, "batch_size": 100, "epochs_per_frame": 1,
                "baseline": "none"},
        hide=_DATA + _TRAINING + ("baseline",),
        text=(
            "XOR again, as a lecture builds it in Keras: a 2-4-4-2 ReLU net with two "
            "softmax outputs, one probability per class, trained by SGD with momentum on "
            "batches of 100 points.\n\n"
            "Press Play and watch the loss chart: train and test loss fall together, fast "
            "at first, then slowly; test accuracy passes 0.98 within about 100 epochs. The "
            "two output neurons show each class's probability over the plane; the "
            "confusion matrix counts the test points by true and predicted class.\n\n"
            "Then try a learning rate of 0.1 or 0.001 and compare the curves. Or use the "
            "single feature x1\u00b7x2 (click the features): the class is its sign, so even "
            "a net with no hidden layer gets it nearly right.")),
)


def lesson_list() -> list[dict[str, Any]]:
    """Every lesson as plain JSON, for ``options()["lessons"]`` and the page's menu."""
    return [{**asdict(lesson), "hide": list(lesson.hide)} for lesson in LESSONS]


def get_lesson(lesson_id: str) -> Lesson:
    """The lesson called ``lesson_id`` ("e1" .. "e5", any case)."""
    from mlplab._validation import did_you_mean
    from mlplab.errors import UnknownNameError

    key = str(lesson_id).strip().lower()
    for lesson in LESSONS:
        if lesson.id == key:
            return lesson
    names = [lesson.id for lesson in LESSONS]
    raise UnknownNameError(f"unknown lesson {lesson_id!r}.{did_you_mean(key, names)} "
                           f"Choose one of: {', '.join(names)}.")
