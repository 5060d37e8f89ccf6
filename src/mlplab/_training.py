"""How both estimator families train, on the engine: scikit-learn's dialect
(:mod:`mlplab.neural_network`, every step as scikit-learn's MLP takes it) and mlplab's
own (:mod:`mlplab.estimator`), each a mapping of its arguments onto what is here.

Each step names the scikit-learn code it follows (``sklearn/neural_network/
_multilayer_perceptron.py``); the maths is the engine's:

- the network is a stack of engine ``Dense`` layers; the dialect draws its weights by
  :func:`mlplab.engine.initializers.scikit_learn_uniform` from scikit-learn's own
  ``RandomState`` stream (``_init_coef``), so the same ``random_state`` gives the same
  initial weights bit for bit;
- the penalty ``alpha / 2 * sum(W ** 2)`` is divided by a batch's weight (its size
  without sample weights), as ``_backprop`` divides it (:func:`set_penalty`);
- the stochastic solvers are :func:`run_epochs`: ``Sequential.fit`` over the epochs,
  with :class:`mlplab.engine.stopping.NoImprovement` for ``n_iter_no_change``, ``tol``,
  ``early_stopping`` and ``learning_rate="adaptive"``; the dialect's batches are
  ``min(200, n)`` rows shuffled from the same stream (``_fit_stochastic``) and its
  ``"invscaling"`` is :class:`~mlplab.engine.rate_callbacks.InverseScalingBySamples`;
- ``lbfgs`` is :mod:`mlplab.engine.lbfgs` with scipy's memory of 10 (``_fit_lbfgs``).
"""

import copy
import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from mlplab._holdout import scikit_learn_hold_out
from mlplab._validation import input_bound
from mlplab.engine import fitting, initializers
from mlplab.engine.layers import Dense, Dropout, Layer
from mlplab.engine.lbfgs import LBFGS
from mlplab.engine.model import Sequential
from mlplab.engine.optimizers import SGD, Adam
from mlplab.engine.rate_callbacks import InverseScalingBySamples
from mlplab.engine.regularizers import L1L2
from mlplab.engine.stopping import NoImprovement, QuietNaNGuard
from mlplab.errors import InvalidInputError

# scikit-learn's activation names -> the engine's.
ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "softmax": "softmax", "exp": "linear"}  # exp: a linear layer, Poisson's log link
NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain "
              "large values and need to be preprocessed.")


def build_network(widths, activation, out_activation, dropout, random_state, dtype):
    """The engine network for layer widths ``[n_features, *hidden, n_outputs]``, its
    weights drawn as scikit-learn draws them from ``random_state`` (a RandomState).

    ``activation`` is scikit-learn's name for every hidden layer, or (an mlplab extra)
    a list of one name per hidden layer; ``dropout`` > 0 puts a Dropout layer after
    each hidden layer (an extra too)."""
    n_hidden = len(widths) - 2
    hidden = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    layers: list[Layer] = []
    for index, (units, name) in enumerate(zip(widths[1:], [*hidden, out_activation],
                                              strict=True)):
        layers.append(Dense(units, ACTIVATIONS[name], kernel_initializer="zeros",
                            input_dim=widths[0] if index == 0 else None))
        if dropout and index < n_hidden:
            layers.append(Dropout(dropout))
    model = Sequential(layers, random_state=as_stream(random_state), dtype=dtype)
    model.set_weights(initializers.scikit_learn_uniform(
        widths, init_factors(activation, len(widths) - 1), random_state, dtype))
    return model


def init_factors(activation, n_layers):
    """scikit-learn's factor of each layer's uniform range: 2 when the hidden activation
    is logistic, else 6 (with a list, each layer's own; the output layer the last's)."""
    names = [activation] * n_layers if isinstance(activation, str) else (
        [*activation, activation[-1]] if len(activation) else ["relu"])
    return [2.0 if name == "logistic" else 6.0 for name in names]


def as_stream(random_state):
    """A Generator drawing from ``random_state``'s own bit generator (a RandomState's
    MT19937): its ``permutation`` and ``uniform`` give the RandomState's numbers and
    advance the same stream."""
    return np.random.Generator(random_state._bit_generator)


class EpochShuffles(np.random.Generator):
    """The stream of ``random_state`` whose ``permutation(n)`` gives scikit-learn's
    epoch orders: it shuffles the previous epoch's order again (``sample_idx =
    shuffle(sample_idx, random_state)``) rather than ``arange(n)``, so epoch ``e``'s
    order is ``order[e - 1][permutation]``. A fit starts from ``arange(n)``."""

    def __init__(self, random_state):
        super().__init__(random_state._bit_generator)
        self.order = None

    def permutation(self, x, axis=0):
        if not isinstance(x, (int, np.integer)):
            return super().permutation(x, axis)
        step = super().permutation(x)
        self.order = step if self.order is None else self.order[step]
        return self.order.copy()


def set_penalty(model, alpha, batch_size, n_samples, sample_weight, l1=0.0):
    """``alpha / 2 * sum(W ** 2)`` (and ``l1 * sum(|W|)``) on every kernel, divided by a
    batch's weight: the batch size, or with sample weights its expected weight
    ``batch_size * mean(weight)``. For a full batch that is the weights' sum, so a
    weight of 2 on a row trains exactly as the row written twice; for mini-batches
    scikit-learn divides by each batch's own sum (and by a smaller last batch's size),
    which mlplab matches on average."""
    mean_weight = 1.0 if sample_weight is None else weight_sum(sample_weight) / n_samples
    # Weights the engine refuses (negative, all 0) leave the plain scaling.
    batch_weight = min(batch_size, n_samples) * (mean_weight if mean_weight > 0 else 1.0)
    penalty = (L1L2(l1=l1 / batch_weight, l2=0.5 * alpha / batch_weight) if alpha or l1
               else None)  # None: a warm start with alpha=0 drops an earlier penalty
    for layer in model.layers:
        if isinstance(layer, Dense):
            layer.kernel_regularizer = penalty


def weight_sum(weights) -> float:
    """The sum of sample weights, finite even for weights near float64's max (scaled)."""
    largest = float(np.max(weights))
    return float(np.sum(weights / largest)) * largest if largest > 0 else 0.0


def run_epochs(model, X, Y, sample_weight, *, epochs, batch_size, shuffle, rng, rule, guard,
               callbacks=(), verbose=0):
    """The stochastic solvers' loop: ``model.fit`` for up to ``epochs`` epochs, told to
    the plateau ``rule`` (a NoImprovement, or None: never stop early), the NaN
    ``guard`` and the user's ``callbacks``; ``rng`` draws the epoch orders. Returns the
    History."""
    listeners = [c for c in (rule, guard) if c is not None] + list(callbacks or [])
    return model.fit(X, Y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                     random_state=rng, callbacks=listeners, sample_weight=sample_weight,
                     verbose=verbose)


def check_inputs(model, X, Y):
    """Refuse, with scikit-learn's sentence, inputs the engine cannot compute with (they
    would give scikit-learn non-finite weights)."""
    largest = fitting.largest_magnitude(X)
    if not largest <= input_bound(model.dtype):
        raise InvalidInputError(f"{NON_FINITE} The largest |x| is {largest:.3g}; standardize "
                                "X (sklearn.preprocessing.StandardScaler).")
    try:
        fitting.check_first_pass(model, X, Y)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{NON_FINITE} ({exc})") from None


def new_optimizer(est):
    """The engine optimizer of ``solver`` (or a copy of the ``optimizer`` extra)."""
    if est.optimizer is not None:
        return copy.deepcopy(est.optimizer)
    if est.solver == "sgd":
        return SGD(learning_rate=est.learning_rate_init, momentum=est.momentum,
                   nesterov=bool(est.nesterovs_momentum and est.momentum > 0))
    return Adam(learning_rate=est.learning_rate_init, beta_1=est.beta_1, beta_2=est.beta_2,
                epsilon=est.epsilon)


def fit_stochastic(est, X, Y, sample_weight, random_state, incremental):
    """``sgd``/``adam``: up to ``max_iter`` epochs (one with ``partial_fit``)."""
    model = est.model_
    if est.early_stopping and incremental:
        raise InvalidInputError("partial_fit does not support early_stopping=True")
    if not incremental or not getattr(est, "_optimizer_ready", False):
        model.compile(loss=est._engine_loss(), optimizer=new_optimizer(est))
        est._optimizer_ready = True
    validation = None
    if est.early_stopping:
        (X, Y, sample_weight), validation = scikit_learn_hold_out(est, X, Y, sample_weight,
                                                                  random_state)
    n_samples = X.shape[0]
    batch_size = fitting.scikit_learn_batch_size(est.batch_size, n_samples)
    set_penalty(model, est.alpha, batch_size, n_samples, sample_weight)
    rule = _rule(est, validation)
    est._held_out_losses = []  # filled by est._validation_score, once per epoch
    Y = Y.astype(model.dtype)
    check_inputs(model, X, Y)
    try:
        history = run_epochs(model, X, Y, sample_weight,
                             epochs=1 if incremental else est.max_iter, batch_size=batch_size,
                             shuffle=est.shuffle, rng=EpochShuffles(random_state), rule=rule,
                             guard=QuietNaNGuard(), callbacks=_epoch_callbacks(est, n_samples))
    except KeyboardInterrupt:  # scikit-learn keeps what was trained, and says so
        warnings.warn("Training interrupted by user.", stacklevel=4)
        history = model.history  # the epochs that ended
    _record(est, history, rule, n_samples)
    if est.early_stopping:
        rule.restore_best(model)
    if not incremental and not rule.stopped and est.n_iter_ == est.max_iter:
        warnings.warn(f"Stochastic Optimizer: Maximum iterations ({est.max_iter:d}) reached "
                      "and the optimization hasn't converged yet.",
                      ConvergenceWarning, stacklevel=4)


def _epoch_callbacks(est, n_samples):
    """``"invscaling"``'s rate callback (sgd), then the user's ``callbacks``."""
    scheduled = est.solver == "sgd" and est.learning_rate == "invscaling"
    rate = ([InverseScalingBySamples(est.learning_rate_init, est.power_t, n_samples, est.t_)]
            if scheduled and est.optimizer is None else [])
    return rate + list(est.callbacks or [])


def _rule(est, validation):
    """This fit's NoImprovement, continuing the count, best value and best weights of
    the fits before (scikit-learn keeps them across partial_fit and warm starts)."""
    score = None if validation is None else (lambda: est._validation_score(*validation))
    rule = NoImprovement(tol=est.tol, n_iter_no_change=est.n_iter_no_change,
                         validation_score=score, verbose=est.verbose,
                         adaptive=est.solver == "sgd" and est.learning_rate == "adaptive")
    rule.resume(est._plateau)
    return rule


def _record(est, history, rule, n_samples):
    est._plateau = rule.state()
    losses = [float(loss) for loss in history.history.get("loss", [])]
    est.n_iter_ = len(losses)
    est.t_ += n_samples * len(losses)
    if losses:
        est.loss_ = losses[-1]
    est.loss_curve_ = est.loss_curve_ + losses
    if est.early_stopping:
        est.validation_scores_ = est.validation_scores_ + rule.scores
        est.validation_loss_curve_ = (est.validation_loss_curve_ or []) + est._held_out_losses
        est.best_validation_score_ = rule.best
    else:
        est.best_loss_ = rule.best


def fit_lbfgs(est, X, Y, sample_weight):
    """``lbfgs``: scipy's L-BFGS-B with scikit-learn's settings (memory 10)."""
    model = est.model_
    solver = LBFGS(maxiter=est.max_iter, maxfun=est.max_fun, tol=est.tol, memory=10)
    model.compile(loss=est._engine_loss(), optimizer=solver)
    est._optimizer_ready = False
    set_penalty(model, est.alpha, X.shape[0], X.shape[0], sample_weight)
    Y = Y.astype(model.dtype)
    check_inputs(model, X, Y)
    history = model.fit(X, Y, epochs=est.max_iter, batch_size=None, shuffle=False,
                        callbacks=[QuietNaNGuard(), *(est.callbacks or [])],
                        sample_weight=sample_weight)
    result = history.solver
    est.n_iter_ = result.iterations
    est.loss_ = float(result.loss)
    if result.warning is not None:
        warnings.warn(result.warning, ConvergenceWarning, stacklevel=4)


def initial_plateau(est, model):
    """The plateau rule's state at a fresh start: no count, no best value yet, the best
    weights the initial ones (scikit-learn's ``_initialize``)."""
    best = -math.inf if est.early_stopping else math.inf
    return 0, best, model.get_weights()
