"""The ``mlplab`` command: a thin shell over the Python API.

Every command parses its options, calls one API function and renders the
result. A user error (any :class:`~mlplab.errors.MlplabError`) exits with code
2 and its message, without a traceback.
"""

import functools
import sys

import click

from mlplab import __version__
from mlplab.errors import MlplabError


def user_errors(command):
    """Turn an MlplabError into a click usage error (exit code 2, message on stderr)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except MlplabError as exc:
            raise click.UsageError(str(exc)) from None

    return wrapper


def parse_layers(text):
    """``"2,8,8,1"`` -> ``[2, 8, 8, 1]``; the engine checks the values."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give comma-separated widths, input first, "
                                 "e.g. 2,8,8,1.", param_hint="--layers") from None


def parse_batch_size(text):
    if text.lower() in ("full", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: give a positive int or 'full'.",
                                 param_hint="--batch-size") from None


NETWORK_OPTIONS = [
    click.option("--dataset", default="moons", show_default=True,
                 help="Data set name, e.g. moons, circles, xor, spirals."),
    click.option("--n-samples", default=1000, show_default=True, type=int),
    click.option("--noise", type=float, default=None,
                 help="Noise of the data set [default: moons 0.2, circles 0.1, others their "
                      "generator's default]."),
    click.option("--layers", "layers_text", default="2,8,8,1", show_default=True,
                 help="Widths from input to output, comma-separated."),
    click.option("--activation", default="relu", show_default=True, help="Hidden activation."),
    click.option("--output-activation", default=None,
                 help="Default: sigmoid for one output unit, softmax for several."),
    click.option("--loss", default=None, help="Default: the natural loss of the output."),
    click.option("--optimizer", default="adam", show_default=True),
    click.option("--learning-rate", type=float, default=0.01, show_default=True),
    click.option("--momentum", type=float, default=None, help="For --optimizer sgd."),
    click.option("--batch-size", "batch_text", default="32", show_default=True,
                 help="Samples per step; 'full' for full-batch gradient descent."),
    click.option("--epochs", default=300, show_default=True, type=int),
    click.option("--test-size", default=0.2, show_default=True, type=float),
    click.option("--seed", default=0, show_default=True, type=int,
                 help="Seeds the data, the split and the network."),
    click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
                 show_default=True),
]


def network_options(command):
    for option in reversed(NETWORK_OPTIONS):
        command = option(command)
    return command


def experiment_arguments(options):
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlplab")
def main():
    """mlplab: build, train, see inside and compare small neural networks."""


@main.command()
@network_options
@click.option("--save", "save_path", type=click.Path(dir_okay=False), default=None,
              help="Write the trained model to this file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress bar (only shown on a terminal).")
@user_errors
def train(save_path, progress, **options):
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
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .gif, .html (self-contained) or .mp4 (needs ffmpeg).")
@click.option("--every", default=None, type=int,
              help="Record every N epochs [default: enough for --frames frames].")
@click.option("--frames", default=60, show_default=True, type=int)
@click.option("--fps", default=10, show_default=True, type=int)
@click.option("--resolution", default=100, show_default=True, type=int,
              help="Grid points per side of each picture.")
@user_errors
def animate(out, every, frames, fps, resolution, **options):
    """Train a network and animate its boundary beside every hidden neuron's.

    Example: mlplab animate --dataset xor --layers 2,4,3,1 --activation sigmoid --out xor.gif
    """
    from mlplab.workflows import animate_on_dataset

    arguments = experiment_arguments(options)
    epochs = arguments.pop("epochs")
    every = every or max(1, epochs // max(frames, 1))
    result = animate_on_dataset(arguments.pop("dataset"), arguments.pop("layers"), out=out,
                                epochs=epochs, every=every, frames=frames, fps=fps,
                                resolution=resolution, **arguments)
    click.echo(f"wrote {result.path} ({result.n_frames} frames, epochs "
               f"{result.snapshots[0]['epoch']}-{result.snapshots[-1]['epoch']})")


PLOTS = ("boundary", "probability", "neurons", "network", "history", "collapse")


@main.command()
@click.argument("kind", type=click.Choice(PLOTS))
@network_options
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Image file (.png, .svg, .pdf).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False), default=None,
              help="Draw a saved model (from train --save) instead of training one.")
@click.option("--dpi", default=120, show_default=True, type=int)
@user_errors
def plot(kind, out, model_path, dpi, **options):
    """Train a network (or load one) and draw one picture of it.

    Example: mlplab plot neurons --dataset xor --layers 2,4,3,1 --activation sigmoid
    --out neurons.png
    """
    from mlplab.workflows import plot_on_dataset

    arguments = experiment_arguments(options)
    path = plot_on_dataset(kind, arguments.pop("dataset"), arguments.pop("layers"), out=out,
                           model_path=model_path, dpi=dpi, **arguments)
    click.echo(f"wrote {path}")


def render_training(result, save_path):
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
    if result.history.stop_reason:
        Console(stderr=True).print(f"[yellow]{result.history.stop_reason}[/yellow]")


if __name__ == "__main__":  # pragma: no cover
    main()
