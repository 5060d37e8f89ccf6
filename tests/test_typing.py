"""mlplab's public API is typed: every public function and method annotates its parameters
and its return, and mypy finds no error in the package (``py.typed`` promises both)."""

import importlib
import importlib.util
import inspect
import sys
import tomllib
import types
from pathlib import Path

import pytest

import mlplab

SRC = Path(mlplab.__file__).parent

# The public modules: those `mlplab` loads by attribute, and the documented ones below them.
PUBLIC_MODULES = (
    "mlplab", "mlplab.engine", "mlplab.engine.schedules", "mlplab.data", "mlplab.viz",
    "mlplab.study", "mlplab.estimator", "mlplab.neural_network", "mlplab.baselines",
    "mlplab.workflows", "mlplab.errors", "mlplab.fast", "mlplab.fast.warmup",
    "mlplab.keras", "mlplab.keras.tf",
    # The command line and the playground: what their modules offer is typed too (the
    # playground's parts are imported by tests, benchmarks and whoever embeds it).
    "mlplab.cli", "mlplab.cli_study", "mlplab.web",
    *(f"mlplab.web.{name}" for name in (
        "app", "build", "config", "export", "frames", "guard", "hidden", "lessons", "pictures",
        "player", "pool", "session", "workers")),
)
HAS_WEB = importlib.util.find_spec("fastapi") is not None  # the [web] extra


def _skipped(module_name):
    """The playground's modules need the [web] extra (FastAPI) to be imported."""
    return module_name.split(".")[:2] == ["mlplab", "web"] and not HAS_WEB


def _public_names(module):
    """The names a module offers: its ``__all__``, else its public names defined in mlplab."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, value in vars(module).items() if not name.startswith("_")
            and getattr(value, "__module__", "").startswith(module.__name__)]


def _methods(cls):
    """(qualified name, function) of the public methods a class has from mlplab's classes."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("mlplab"):
            continue
        for name, member in vars(klass).items():
            public = not name.startswith("_") or name in ("__init__", "__call__")
            if name in seen or not public:
                continue
            seen.add(name)
            qualified_name = f"{klass.__module__}.{klass.__qualname__}.{name}"
            if isinstance(member, (staticmethod, classmethod)):
                yield qualified_name, member.__func__
            elif isinstance(member, property):
                yield qualified_name, member.fget
            elif inspect.isfunction(member):
                yield qualified_name, member
            elif inspect.isfunction(getattr(member, "fn", None)):  # scikit-learn's available_if
                yield qualified_name, member.fn


def public_callables():
    """{qualified name: function} over the public API, methods of public classes included."""
    found = {}
    queue = list(PUBLIC_MODULES)
    visited = set()
    while queue:
        module_name = queue.pop(0)
        if module_name in visited or _skipped(module_name):
            continue
        visited.add(module_name)
        module = importlib.import_module(module_name)
        for name in _public_names(module):
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                queue.append(value.__name__)
            elif inspect.isclass(value) and value.__module__.startswith("mlplab"):
                found.update(_methods(value))
            elif inspect.isfunction(value) and value.__module__.startswith("mlplab"):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def missing_annotations(function):
    """The parameters (and 'return') of a function that carry no annotation."""
    function = inspect.unwrap(function)  # e.g. scikit-learn's set_output wraps transform
    annotations = inspect.get_annotations(function)
    parameters = list(inspect.signature(function, follow_wrapped=False).parameters)
    if parameters and parameters[0] in ("self", "cls"):
        parameters = parameters[1:]
    missing = [name for name in parameters  # a parameter named _x is not public API
               if name not in annotations and not name.startswith("_")]
    if "return" not in annotations and function.__name__ != "__init__":
        missing.append("return")
    return missing


def test_every_public_function_and_method_is_annotated():
    found = public_callables()
    untyped = {name: missing_annotations(function) for name, function in sorted(found.items())}
    untyped = {name: missing for name, missing in untyped.items() if missing}
    print(f"typed public functions and methods: {len(found) - len(untyped)} of {len(found)}")
    assert not untyped, "missing annotations:\n" + "\n".join(
        f"  {name}: {', '.join(missing)}" for name, missing in untyped.items())


def test_the_walk_finds_the_api_and_reads_annotations():
    found = public_callables()
    assert "mlplab.engine.model.Sequential.fit" in found
    assert "mlplab.data.generators.xor" in found
    assert "mlplab.cli.parse_layers" in found
    if HAS_WEB:
        assert "mlplab.web.session.Session.advance" in found
        assert "mlplab.web.frames.decode" in found

    def typed(x: int, *args: int, y: str = "", **kwargs: float) -> None: ...

    def untyped(self, x, *args, y: str = "", **kwargs): ...

    assert missing_annotations(typed) == []
    assert missing_annotations(untyped) == ["x", "args", "kwargs", "return"]


def test_the_package_is_marked_typed():
    assert (SRC / "py.typed").is_file()


@pytest.mark.slow
def test_mypy_finds_no_error(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api", reason="mypy is in the dev extra")
    from mypy.version import __version__ as mypy_version

    if int(mypy_version.split(".")[0]) < 2:
        pytest.skip(f"mypy {mypy_version}: the settings need mypy >= 2 (allow_redefinition "
                    "lets `X = check_X(X)` re-bind a parameter to its checked array)")
    root = SRC.parent.parent
    if not (root / "pyproject.toml").is_file():
        pytest.skip("mypy checks the source tree, not an installed wheel")
    monkeypatch.chdir(root)
    settings = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mypy"]
    assert "exclude" not in settings, "mypy checks all of src/mlplab, the CLI and web too"
    arguments = ["--cache-dir", str(tmp_path / "cache"), "--python-executable", sys.executable]
    stdout, stderr, status = api.run(arguments)
    assert status == 0, stdout + stderr


# -- what mypy found ------------------------------------------------------------------------
def test_keras_summary_after_an_lbfgs_fit():
    """mypy: ``optimizer.scheduled`` on L-BFGS, which has no learning rate (it raised)."""
    import numpy as np

    import mlplab.keras as keras

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="lbfgs", loss="binary_crossentropy")
    X = np.random.default_rng(0).normal(size=(20, 2))
    model.fit(X, (X[:, 0] > 0).astype(float), epochs=3, verbose=0)
    lines = []
    model.summary(print_fn=lines.append)
    # One optimizer variable, the iteration count (8 bytes): no learning rate, no state.
    assert "Optimizer params: 1 (8.00 B)" in "".join(lines)


def test_a_closed_result_store_says_so(tmp_path):
    """mypy: a closed ResultStore's connection is None (AttributeError on None before)."""
    from mlplab.errors import InvalidInputError
    from mlplab.study import ResultStore

    store = ResultStore(tmp_path / "results.sqlite", writable=True)
    store.close()
    with pytest.raises(InvalidInputError, match="results.sqlite: this ResultStore is closed"):
        store.rows()


def test_playground_net_outputs_of_a_net_ending_in_an_activation_layer():
    """mypy: ``output_layer.units`` of a Sequential whose last layer is an Activation
    (AttributeError before); its outputs are the last Dense layer's."""
    pytest.importorskip("fastapi", reason="the playground needs the [web] extra")
    import numpy as np

    from mlplab.engine.layers import Activation, Dense
    from mlplab.web.session import net_outputs

    model = mlplab.Sequential([Dense(1), Activation("sigmoid")], random_state=0).build(2)
    points = np.array([[0.0, 0.0], [1.0, -2.0], [3.0, 1.0]])
    kind, outputs = net_outputs(model, points, "multiclass", 2)
    p = model.predict_proba(points)[:, -1]
    assert kind == "classes"
    np.testing.assert_allclose(outputs, np.column_stack([1 - p, p]))


def test_playground_value_picture_needs_its_range():
    """mypy: ``output_bytes("value", ...)`` unpacked a missing value_range (TypeError)."""
    pytest.importorskip("fastapi", reason="the playground needs the [web] extra")
    import numpy as np

    from mlplab.errors import InvalidInputError
    from mlplab.web.pictures import output_bytes

    with pytest.raises(InvalidInputError, match=r"give value_range=\(low, high\)"):
        output_bytes("value", np.array([0.5, 2.0]))
    picture = output_bytes("value", np.array([0.0, 1.0, 2.0]), (0.0, 2.0))
    assert picture["values"].tolist() == [0, 128, 255]


def test_playground_app_without_its_lifespan_says_so():
    """mypy: a Pool that was never started has no event loop (AttributeError on None)."""
    pytest.importorskip("fastapi", reason="the playground needs the [web] extra")
    from fastapi.testclient import TestClient

    from mlplab.web import create_app

    client = TestClient(create_app(allowed_hosts=["testserver"]))  # no `with`: no lifespan
    with pytest.raises(RuntimeError, match="with TestClient"):
        client.post("/api/sessions")
