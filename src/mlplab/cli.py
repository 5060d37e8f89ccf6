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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlplab")
def main():
    """mlplab: build, train, see inside and compare small neural networks."""


@main.command()
@click.option("--dataset", default="moons", show_default=True,
              help="Data set name, e.g. moons, circles, xor, spirals.")
@click.option("--n-samples", default=1000, show_default=True, type=int)
@click.option("--noise", type=float, default=None,
              help="Noise of the data set [default: 0.2 for sets that have a noise setting].")
@click.option("--layers", "layers_text", default="2,8,8,1", show_default=True,
              help="Widths from input to output, comma-separated.")
@click.option("--activation", default="relu", show_default=True, help="Hidden activation.")
@click.option("--output-activation", default=None,
              help="Default: sigmoid for one output unit, softmax for several.")
@click.option("--loss", default=None, help="Default: the natural loss of the output.")
@click.option("--optimizer", default="adam", show_default=True)
@click.option("--learning-rate", type=float, default=None, help="Default: the optimizer's.")
@click.option("--momentum", type=float, default=None, help="For --optimizer sgd.")
@click.option("--batch-size", "batch_text", default="32", show_default=True,
              help="Samples per step; 'full' for full-batch gradient descent.")
@click.option("--epochs", default=300, show_default=True, type=int)
@click.option("--test-size", default=0.2, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seeds the data, the split and the network.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64",
              show_default=True)
@click.option("--save", "save_path", type=click.Path(dir_okay=False), default=None,
              help="Write the trained model to this file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress bar (only shown on a terminal).")
@user_errors
def train(dataset, n_samples, noise, layers_text, activation, output_activation, loss,
          optimizer, learning_rate, momentum, batch_text, epochs, test_size, seed, dtype,
          save_path, progress):
    """Train a network on a toy data set and report train/test accuracy."""
    from mlplab.workflows import train_on_dataset

    optimizer_spec = {"name": optimizer}
    if momentum is not None:
        optimizer_spec["momentum"] = momentum
    if learning_rate is not None:
        optimizer_spec["learning_rate"] = learning_rate
    result = train_on_dataset(
        dataset, parse_layers(layers_text), n_samples=n_samples,
        noise="default" if noise is None else noise,
        activation=activation, output_activation=output_activation, loss=loss,
        optimizer=optimizer_spec, batch_size=parse_batch_size(batch_text), epochs=epochs,
        test_size=test_size, random_state=seed, dtype=dtype,
        verbose=1 if progress and sys.stdout.isatty() else 0,
    )
    if save_path:
        result.model.save(save_path)
    render_training(result, save_path)


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
