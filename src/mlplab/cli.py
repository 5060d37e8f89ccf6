"""The ``mlplab`` command: a thin shell over the Python API.

Every command parses its options, calls one API function and renders the
result. What goes wrong is rendered once, for every command, by
:class:`MlplabGroup`: a user error (any :class:`~mlplab.errors.MlplabError`)
prints ``Error: <its message>`` and exits with code 2, an OS error (a file
that cannot be written) or running out of memory prints ``Error: ...`` and
exits with 1, and a warning prints ``Warning: <its message>`` once; never a
traceback.
"""

import errno
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from mlplab._cli_params import FILE, writable
from mlplab._version import __version__
from mlplab.errors import MlplabError

if TYPE_CHECKING:
    import numpy as np

    from mlplab.engine.model import Sequential
    from mlplab.workflows import TrainingResult

# numpy's floating-point warnings ("overflow encountered in matmul") are symptoms; the
# engine reports what they mean (a TrainingDivergedWarning that names the likely cause).
NUMPY_FLOAT_WARNINGS = r"(overflow|underflow|invalid value|divide by zero) encountered"
F = TypeVar("F", bound=Callable[..., Any])  # a command, as an option decorates it


class UserError(click.ClickException):
    """An MlplabError met by a command: ``Error: <message>`` on stderr, exit code 2."""

    exit_code = 2


class MlplabGroup(click.Group):
    """The ``mlplab`` group: errors and warnings of every command are rendered here, once."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", NUMPY_FLOAT_WARNINGS, RuntimeWarning)
            warnings.filterwarnings("default", module=r"mlplab(\.|$)")  # ours: always shown
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except MlplabError as exc:
                raise UserError(str(exc)) from None
            except MemoryError as exc:
                raise click.ClickException(
                    f"not enough memory{f' ({exc})' if str(exc) else ''}. Use smaller sizes "
                    "(--layers, --n-samples, --resolution, --dpi).") from None
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # output piped into e.g. head: click handles it
                    raise
                where = f"{exc.filename}: " if exc.filename else ""
                raise click.ClickException(f"{where}{exc.strerror or exc}.") from None


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Print each distinct warning once, as ``Warning: <message>``, without the source line."""
    shown = _shown_warnings()
    if str(message) not in shown:
        shown.add(str(message))
        click.echo(f"Warning: {message}", err=True)


def _shown_warnings() -> set[str]:
    context = click.get_current_context(silent=True)
    return context.find_root().meta.setdefault("mlplab.warnings", set()) if context else set()


def parse_layers(text: str) -> list[int]:
    """``"2,8,8,1"`` -> ``[2, 8, 8, 1]``; the engine checks the values."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give comma-separated widths, input first, "
                                 "e.g. 2,8,8,1.", param_hint="--layers") from None


def parse_batch_size(text: str) -> int | None:
    """``"32"`` -> 32; ``"full"`` (or ``"none"``) -> None, full-batch gradient descent."""
    if text.lower() in ("full", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: give a positive int or 'full'.",
                                 param_hint="--batch-size") from None


# Bounds of the picture options: beyond them a figure needs gigabytes, not a better look.
MAX_RESOLUTION = 1000  # grid points per side: 10^6 points through the net per picture
MAX_DPI = 1200  # a 6.4 x 4.8 in figure is then 7680 x 5760 pixels

NETWORK_OPTIONS = [
    click.option("--dataset", default="moons", show_default=True,
                 help="Data set name, e.g. moons, circles, xor, spirals."),
    click.option("--n-samples", default=1000, show_default=True, type=int,
                 help="Points to generate, before the train/test split."),
    click.option("--noise", type=float, default=None,
                 help="Noise of the data set [default: moons 0.2, circles 0.1, others their "
                      "generator's default]."),
    click.option("--layers", "layers_text", default="2,8,8,1", show_default=True,
                 help="Widths from input to output, comma-separated."),
    click.option("--activation", default="relu", show_default=True, help="Hidden activation."),
    click.option("--output-activation", default=None,
                 help="Default: sigmoid for one output unit, softmax for several."),
    click.option("--loss", default=None, help="Default: the natural loss of the output."),
    click.option("--optimizer", default="adam", show_default=True,
                 help="sgd, adam, rmsprop or adagrad."),
    click.option("--learning-rate", type=float, default=0.01, show_default=True,
                 help="Step size of the optimizer."),
    click.option("--momentum", type=float, default=None, help="For --optimizer sgd."),
    click.option("--batch-size", "batch_text", default="32", show_default=True,
                 help="Samples per step; 'full' for full-batch gradient descent."),
    click.option("--epochs", default=300, show_default=True, type=int,
                 help="Passes over the training data."),
    click.option("--test-size", default=0.2, show_default=True, type=float,
                 help="Fraction of the points held out for the test accuracy."),
    click.option("--seed", default=0, show_default=True, type=int,
                 help="Seeds the data, the split and the network."),
    click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
                 show_default=True, help="Floating-point type of the weights and the data."),
]


def network_options(command: F) -> F:
    """The options of the commands that train a network on a data set."""
    for option in reversed(NETWORK_OPTIONS):
        command = option(command)
    return command


def experiment_arguments(options: dict[str, Any]) -> dict[str, Any]:
    """Map the shared CLI options to the keyword arguments of mlplab.workflows."""
    optimizer = {"name": options.pop("optimizer")}
    for key in ("momentum", "learning_rate"):
        value = options.pop(key)
        if value is not None:
            optimizer[key] = value
    noise = options.pop("noise")
    return {
        "layers": parse_layers(options.pop("layers_text")),
        "batch_size": parse_batch_size(options.pop("batch_text")),
        "noise": "default" if noise is None else noise,
        "random_state": options.pop("seed"),
        "optimizer": optimizer, **options,
    }


@click.group(cls=MlplabGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlplab")
def main() -> None:
    """mlplab: build, train, see inside and compare small neural networks."""


@main.command()
@network_options
@click.option("--save", "save_path", type=FILE, default=None, callback=writable,
              help="Write the trained model to this file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress bar (only shown on a terminal).")
def train(save_path: str | None, progress: bool, **options: Any) -> None:
    """Train a network on a toy data set and report train/test accuracy.

    Example: mlplab train --dataset moons --layers 2,8,8,1 --activation tanh --epochs 300
    """
    from mlplab.workflows import train_on_dataset

    arguments = experiment_arguments(options)
    result = train_on_dataset(arguments.pop("dataset"), arguments.pop("layers"),
                              verbose=1 if progress and sys.stdout.isatty() else 0,
                              **arguments)
    if save_path:
        result.model.save(save_path)
    render_training(result, save_path)


@main.command()
@network_options
@click.option("--out", required=True, type=FILE, callback=writable,
              help="Output file: .gif, .html (self-contained) or .mp4 (needs ffmpeg).")
@click.option("--every", default=None, type=click.IntRange(min=1),
              help="Record every N epochs [default: enough for --frames frames].")
@click.option("--frames", default=60, show_default=True, type=click.IntRange(min=1),
              help="Pictures in the animation (at most one per recorded epoch).")
@click.option("--fps", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Frames per second (GIFs time frames in 1/100 s).")
@click.option("--resolution", default=100, show_default=True,
              type=click.IntRange(2, MAX_RESOLUTION),
              help="Grid points per side of each picture.")
def animate(out: str, every: int | None, frames: int, fps: int, resolution: int,
            **options: Any) -> None:
    """Train a network and animate its boundary beside every hidden neuron's.

    Example: mlplab animate --dataset xor --layers 2,4,3,1 --activation sigmoid --out xor.gif
    """
    from mlplab.workflows import animate_on_dataset

    arguments = experiment_arguments(options)
    epochs = arguments.pop("epochs")
    every = every or max(1, epochs // frames)
    result = animate_on_dataset(arguments.pop("dataset"), arguments.pop("layers"), out=out,
                                epochs=epochs, every=every, frames=frames, fps=fps,
                                resolution=resolution, **arguments)
    click.echo(f"wrote {result.path} ({result.n_frames} frames, epochs "
               f"{result.snapshots[0]['epoch']}-{result.snapshots[-1]['epoch']})")


class FigureKindChoice(click.Choice):
    """KIND of ``mlplab plot``: a name or alias from :data:`mlplab.viz.kinds.FIGURE_KINDS`.

    The registry is read when the choices are first needed (parsing, help), not when
    this module is imported: importing mlplab.viz loads matplotlib, which ``mlplab
    --help`` and the other commands do without.
    """

    def __init__(self) -> None:  # not click.Choice's: it would store a copy of the names
        self.case_sensitive = True

    @property  # click.Choice's is an attribute: this one reads the registry when asked
    def choices(self) -> Sequence[str]:  # type: ignore[override]
        from mlplab.viz.kinds import ALIASES, FIGURE_KINDS

        return (*FIGURE_KINDS, *ALIASES)


def image_path(ctx: click.Context, param: click.Parameter, out: str) -> str:
    """--out of plot: a file type matplotlib writes, checked before anything trains."""
    from matplotlib.backend_bases import FigureCanvasBase

    # The suffix as plot_on_dataset reads it: after the last dot, png without one.
    suffix = out.rsplit(".", 1)[-1].lower() if "." in out else "png"
    types = FigureCanvasBase.get_supported_filetypes()
    if suffix not in types:
        raise click.BadParameter(f"{out!r}: matplotlib cannot write .{suffix} files; end the "
                                 f"name in one of .{', .'.join(sorted(types))}, e.g. plot.png.")
    return writable(ctx, param, out)


@main.command()
@click.argument("kind", type=FigureKindChoice())
@network_options
@click.option("--out", required=True, type=FILE, callback=image_path,
              help="Image file (.png, .svg, .pdf).")
@click.option("--model", "model_path", type=FILE, default=None,
              help="Draw a saved model (from train --save) instead of training one.")
@click.option("--dpi", default=120, show_default=True, type=click.IntRange(10, MAX_DPI),
              help="Dots per inch of the image.")
def plot(kind: str, out: str, model_path: str | None, dpi: int, **options: Any) -> None:
    """Train a network (or load one) and draw one picture of it.

    Example: mlplab plot neurons --dataset xor --layers 2,4,3,1 --activation sigmoid
    --out neurons.png
    """
    from mlplab.workflows import plot_on_dataset

    arguments = experiment_arguments(options)
    path = plot_on_dataset(kind, arguments.pop("dataset"), arguments.pop("layers"), out=out,
                           model_path=model_path, dpi=dpi, **arguments)
    click.echo(f"wrote {path}")


MAX_SMALL_WEIGHTS = 10_000  # gradcheck's 2 x 10 000 forward passes take about a second


def small_network_options(command: F) -> F:
    """The options of the commands that look inside one small untrained network."""
    options = [
        click.option("--layers", "layers_text", default="2,4,3,1", show_default=True),
        click.option("--activation", default="sigmoid", show_default=True),
        click.option("--loss", default=None, help="Default: the natural loss of the output."),
        click.option("--seed", default=0, show_default=True, type=int),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _small_network(layers_text: str, activation: str, loss: str | None,
                   seed: int) -> "tuple[Sequential, np.ndarray, np.ndarray]":
    from mlplab import data
    from mlplab.engine.model import Sequential

    layers = parse_layers(layers_text)
    model = Sequential.from_spec(layers, activation=activation, random_state=seed)
    if layers[0] != 2:
        raise click.UsageError(f"--layers must start with 2 inputs (the XOR sample); got "
                               f"{layers[0]}.")
    pairs = zip(layers[:-1], layers[1:], strict=True)
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in pairs)
    if weights > MAX_SMALL_WEIGHTS:  # gradcheck perturbs every weight twice
        raise click.UsageError(f"--layers {layers_text} has {weights:,} weights; these commands "
                               f"look inside small networks, at most {MAX_SMALL_WEIGHTS:,} "
                               "(e.g. --layers 2,16,16,1).")
    model.build()
    model.compile(loss=loss)
    X, y = data.xor(n_samples=8, random_state=seed)
    if model.output_units > 1:
        y = y % model.output_units
    return model, X, y


@main.command()
@small_network_options
def gradcheck(layers_text: str, activation: str, loss: str | None, seed: int) -> None:
    """Compare backprop with finite differences on a small XOR sample.

    Example: mlplab gradcheck --layers 2,4,3,1 --activation tanh
    """
    from mlplab.engine.gradcheck import gradcheck as check

    model, X, y = _small_network(layers_text, activation, loss, seed)
    result = check(model, X, y)
    click.echo(str(result))
    if not result.passed(1e-6):
        raise click.ClickException("relative error above 1e-6")


@main.command()
@small_network_options
def trace(layers_text: str, activation: str, loss: str | None, seed: int) -> None:
    """Walk one sample through the forward pass, the loss and every backprop step.

    Example: mlplab trace --layers 2,4,3,1 --activation sigmoid
    """
    from mlplab.engine.trace import trace as walk

    model, X, y = _small_network(layers_text, activation, loss, seed)
    click.echo(str(walk(model, X[0], y[0])))


@main.command()
def warmup() -> None:
    """Compile the fast kernels now (once per machine, up to a minute), e.g. for a classroom image.

    Later runs load them from numba's cache, so no first fit waits for the compiler.
    """
    from mlplab.fast import epochs

    if not epochs.available():
        raise click.ClickException("numba is not installed: mlplab trains on NumPy, "
                                   "nothing to compile (pip install 'mlplab[fast]').")
    from rich.console import Console

    from mlplab.fast import warmup as kernels

    console = Console(stderr=True)
    with console.status("compiling") as status:
        seconds = kernels.compile_kernels(lambda step: status.update(f"compiling: {step}"))
    click.echo(f"mlplab's kernels are compiled and cached ({seconds:.1f} s).")


@main.command()
def datasets() -> None:
    """List the data sets and their parameters."""
    from mlplab.data import dataset_names, dataset_parameters

    for name in dataset_names():
        click.echo(f"{name:<22} {', '.join(dataset_parameters(name))}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback lets other machines in (announced).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535),
              help="TCP port of the page.")
@click.option("--idle", "idle_seconds", default=600.0, show_default=True,
              type=click.FloatRange(min=1.0),
              help="Seconds after which a session with no open page is dropped.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Another host name to answer to (repeatable); others get HTTP 400.")
@click.option("--allow-origin", "allowed_origins", multiple=True, metavar="URL",
              help="Another page (http://host:port) allowed to use the playground "
                   "(repeatable); by default only its own page may.")
@click.option("--max-sessions", default=60, show_default=True, type=click.IntRange(min=1),
              help="Sessions (pages) open at once; one more is refused with a message.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes that train the sessions [default: the number of cores; "
                   "0: in the server's own process].")
def playground(host: str, port: int, idle_seconds: float, allowed_hosts: tuple[str, ...],
               allowed_origins: tuple[str, ...], max_sessions: int, workers: int | None) -> None:
    """Train and watch a network live in the browser (needs the [web] extra)."""
    try:
        from mlplab.web import serve
    except ImportError as exc:
        raise click.UsageError(f"the playground needs FastAPI and uvicorn ({exc.name} is "
                               'missing): pip install "mlplab[web]".') from None
    _compile_before_serving()
    serve(host=host, port=port, idle_seconds=idle_seconds, echo=click.echo,
          allowed_hosts=allowed_hosts, allowed_origins=allowed_origins,
          max_sessions=max_sessions, workers=_usable_cores() if workers is None else workers)


def _usable_cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _compile_before_serving() -> None:
    """On a machine whose numba cache lacks the kernels, compile them before the page is
    served, saying so: else the first Play would wait for the compiler with no word why."""
    from mlplab.fast import epochs, warmup

    if not (epochs.available() and warmup.needs_compiling()):
        return
    click.echo("Preparing the playground: compiling mlplab's fast kernels for this machine "
               "(once, up to a minute; `mlplab warmup` does it ahead)...")
    seconds = warmup.compile_kernels()
    click.echo(f"Kernels ready ({seconds:.0f} s).")


def render_training(result: "TrainingResult", save_path: str | None) -> None:
    """The table of ``mlplab train``: the network, its losses and accuracies."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"mlplab train: {result.dataset}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("layers", result.layers_text), ("parameters", str(result.model.count_params())),
        ("epochs run", str(len(result.history.epoch))),
        ("final train loss", f"{result.history.history['loss'][-1]:.4f}"),
        ("train accuracy", f"{result.train_accuracy:.3f}"),
        ("test accuracy", f"{result.test_accuracy:.3f}"),
    ]
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    if save_path:
        click.echo(f"model saved to {save_path}")  # plain echo: a table would cut long paths
    reason = result.history.stop_reason
    if reason and reason not in _shown_warnings():  # e.g. early stopping; divergence warned
        Console(stderr=True).print(f"[yellow]{reason}[/yellow]")


from mlplab.cli_study import study  # noqa: E402  (after main: the group it joins)

main.add_command(study)

if __name__ == "__main__":  # pragma: no cover
    main()
