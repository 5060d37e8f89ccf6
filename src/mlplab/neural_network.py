"""scikit-learn's dialect: ``MLPClassifier`` and ``MLPRegressor``, drop-in for
``sklearn.neural_network``'s, trained by the mlplab engine.

Change one import and keep the code::

    from mlplab import MLPClassifier        # was: from sklearn.neural_network import ...

The signature, defaults, fitted attributes, warnings and errors are scikit-learn 1.9's;
training follows its algorithm step by step (see :mod:`mlplab._training`), on the
engine's runners. mlplab's extras are off by default: ``class_weight``, ``activation``
as a list (one per hidden layer), ``dropout``, ``callbacks`` (engine callbacks),
``optimizer`` (an engine optimizer, with a schedule), ``dtype``; with early stopping
``validation_loss_curve_``; ``model_`` is the fitted :class:`mlplab.engine.Sequential`
for ``mlplab.viz``, ``trace`` and studies.

What matches scikit-learn exactly and what on average is said in
docs/guide/estimators.md; in short, the same ``random_state`` gives the same initial
weights, split and batch orders, ``sgd`` and ``lbfgs`` then take scikit-learn's steps
to rounding, and ``adam`` (the engine's, compiled) matches on average, or exactly with
``optimizer=ScikitLearnAdam(...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Self, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from mlplab import _training as training
from mlplab._mlp_parameters import check_parameters
from mlplab._sklearn import named_errors, parameter_errors
from mlplab._typing import FloatArray, RandomState
from mlplab._validation import (
    Options,
    Widths,
    check,
)
from mlplab.engine.callbacks import Callback
from mlplab.engine.layers import Dense
from mlplab.engine.optimizers import OptimizerLike
from mlplab.engine.stopping import weights_finite
from mlplab.errors import InvalidInputError

ActivationName: TypeAlias = Literal["identity", "logistic", "tanh", "relu"]  # scikit-learn's


class _BaseMLP(BaseEstimator):
    """What both estimators share: parameters, the fit path, coefs_ and intercepts_."""

    _is_classifier = False

    def _check_parameters(self):
        check_parameters(self)

    # -- fit ----------------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (a 0/1 indicator matrix for multi-label) or real numbers.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, incremental):
        owner = f"{type(self).__name__}.{'partial_fit' if incremental else 'fit'}"
        with parameter_errors():
            self._check_parameters()
        with named_errors(owner):
            hidden = Widths().convert(self.hidden_layer_sizes)
            first_pass = not hasattr(self, "coefs_") or (not self.warm_start
                                                         and not incremental)
            X, Y = self._validate_input(X, y, incremental, reset=first_pass)
            if sample_weight is not None:
                sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            sample_weight = self._class_sample_weight(y, sample_weight)
            if self.dtype is not None:
                X = X.astype(self.dtype)
        if not isinstance(self.activation, str) and len(self.activation) != len(hidden):
            raise InvalidInputError(f"{owner}: activation lists {len(self.activation)} "
                                    f"activations for {len(hidden)} hidden layers; give one "
                                    "per hidden layer, or one name for all.")
        widths = [X.shape[1], *hidden, Y.shape[1]]
        random_state = check_random_state(self.random_state)
        with named_errors(owner, scikit_learn=False):
            if first_pass:
                self._initialize(Y, widths, X.dtype, random_state)
            else:
                self._adopt_assigned_weights(widths, X.dtype, random_state)
            if self.solver in ("sgd", "adam"):
                training.fit_stochastic(self, X, Y, sample_weight, random_state, incremental)
            else:
                training.fit_lbfgs(self, X, Y, sample_weight)
        if not weights_finite(self.model_):
            raise InvalidInputError(f"{owner}: {training.NON_FINITE} Standardize X "
                                    "(StandardScaler) or lower learning_rate_init.")
        return self

    def _initialize(self, Y, widths, dtype, random_state):
        """A new network and fresh fit state (scikit-learn's ``_initialize``)."""
        self.n_iter_, self.t_ = 0, 0
        self.n_outputs_, self.n_layers_ = Y.shape[1], len(widths)
        self.out_activation_ = self._out_activation()
        self.__dict__.pop("_assigned", None)
        self.model_ = training.build_network(widths, self.activation, self.out_activation_,
                                             self.dropout, random_state, dtype)
        self._optimizer_ready = False
        self._plateau = training.initial_plateau(self, self.model_)
        if self.solver in ("sgd", "adam"):
            self.loss_curve_: list[float] = []
            self.validation_scores_: list[float] | None = [] if self.early_stopping else None
            self.validation_loss_curve_: list[float] | None = ([] if self.early_stopping
                                                               else None)
            self.best_validation_score_ = -np.inf if self.early_stopping else None
            self.best_loss_ = None if self.early_stopping else np.inf

    def _adopt_assigned_weights(self, widths, dtype, random_state):
        """Continue from ``coefs_``/``intercepts_`` assigned by the user (scikit-learn
        trains on what those attributes hold), building the network if there is none."""
        assigned = self.__dict__.pop("_assigned", None)
        if assigned is None:
            return
        coefs, intercepts = assigned.get("coefs_"), assigned.get("intercepts_")
        if not hasattr(self, "model_"):
            self.model_ = training.build_network(widths, self.activation,
                                                 self._out_activation(), self.dropout,
                                                 random_state, dtype)
            self.out_activation_ = self._out_activation()
        weights = []
        for layer, kernel, bias in zip(self._dense_layers(), coefs, intercepts, strict=True):
            weights += [np.asarray(kernel).reshape(layer.kernel.shape),
                        np.asarray(bias).reshape(layer.bias.shape)]
        self.model_.set_weights(weights)
        if not hasattr(self, "_plateau"):
            self._plateau = training.initial_plateau(self, self.model_)
        self._optimizer_ready = False

    # -- coefs_ and intercepts_: the engine's arrays ------------------------------------
    def _dense_layers(self):
        return [layer for layer in self.model_.layers if isinstance(layer, Dense)]

    def _weights(self, name):
        assigned = self.__dict__.get("_assigned", {})
        if name in assigned:
            return assigned[name]
        if "model_" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no {name} before fit")
        return [getattr(layer, "kernel" if name == "coefs_" else "bias")
                for layer in self._dense_layers()]

    def _assign(self, name, value):
        self.__dict__.setdefault("_assigned", {})[name] = value

    @property
    def coefs_(self) -> list[FloatArray]:
        """Each layer's weight matrix, shape (fan_in, fan_out)."""
        return self._weights("coefs_")

    @coefs_.setter
    def coefs_(self, value: list[FloatArray]) -> None:
        self._assign("coefs_", value)

    @property
    def intercepts_(self) -> list[FloatArray]:
        """Each layer's bias vector, shape (fan_out,)."""
        return self._weights("intercepts_")

    @intercepts_.setter
    def intercepts_(self, value: list[FloatArray]) -> None:
        self._assign("intercepts_", value)

    # -- predictions --------------------------------------------------------------------
    def _forward(self, X, check_input=True):
        """The network's outputs (scikit-learn's ``_forward_pass_fast``)."""
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        if self.out_activation_ == "exp":  # Poisson: the logits are log-means
            return np.exp(self.model_.predict_logits(X))
        return self.model_.predict(X)

    def _validation_score(self, X, Y, sample_weight):
        """The held-out score of early stopping, NaN where the outputs are not finite;
        the held-out loss (penalty included) of the same pass goes to
        ``validation_loss_curve_`` (an mlplab extra)."""
        model = self.model_
        with np.errstate(all="ignore"):  # a diverged network: NaN, as scikit-learn's
            outputs = model.forward(X)
            logits = model.output_layer.logits
            loss = model.loss.value(logits, Y.astype(model.dtype), model.output_activation)
        self._held_out_losses.append(float(loss + model.penalty()))
        if self.out_activation_ == "exp":  # Poisson: the logits are log-means
            outputs = np.exp(logits)
        if not np.isfinite(outputs).all():
            return math.nan
        return float(self._score_outputs(outputs, Y, sample_weight))

    def _class_sample_weight(self, y, sample_weight):
        return sample_weight

    def __sklearn_is_fitted__(self):
        return "model_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = self.random_state is None
        return tags


def _solver_is_stochastic(estimator):
    if estimator.solver not in ("sgd", "adam"):
        raise AttributeError("partial_fit is only available for stochastic optimizers. "
                             f"{estimator.solver} is not stochastic.")
    return True


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, trained by
    the mlplab engine.

    Binary and multi-label problems (``y`` a 0/1 indicator matrix) get logistic
    outputs, multi-class a softmax; the loss is the log loss plus
    ``alpha / 2 * sum(W ** 2)`` divided by the batch's weight.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        The width of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"} or list of them, default="relu"
        The hidden layers' activation; a list gives one per hidden layer (mlplab).
    solver : {"lbfgs", "sgd", "adam"}, default="adam"
        Full-batch L-BFGS (scipy), SGD with momentum, or Adam.
    alpha : float, default=0.0001
        Strength of the L2 penalty.
    batch_size : int or "auto", default="auto"
        Rows per step of sgd/adam; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        sgd's schedule: ``learning_rate_init``, ``learning_rate_init / (t + 1) **
        power_t`` with ``t`` the samples seen (set at each epoch's end), or divided by 5
        whenever ``n_iter_no_change`` epochs fail to improve by ``tol``.
    learning_rate_init : float, default=0.001
        The step size of sgd and adam.
    power_t : float, default=0.5
        invscaling's exponent.
    max_iter : int, default=200
        The most epochs (sgd, adam) or iterations (lbfgs).
    shuffle : bool, default=True
        Shuffle the rows every epoch (sgd, adam).
    random_state : None, int or numpy.random.RandomState, default=None
        Draws the initial weights, the early-stopping split and the batch orders,
        from one stream as scikit-learn does (the same int gives its numbers).
    tol : float, default=1e-4
        The least improvement of the loss (or held-out score) that counts; lbfgs's
        gradient tolerance.
    verbose : bool or int, default=False
        Print the loss of every epoch, and why training stopped.
    warm_start : bool, default=False
        Start the next ``fit`` from these weights.
    momentum : float, default=0.9
        sgd's momentum.
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (sgd, momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified for one output), stop when its
        accuracy stops improving and keep the best weights (sgd, adam).
    validation_fraction : float, default=0.1
        The part held out with ``early_stopping``.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's decay rates and its constant.
    n_iter_no_change : int or numpy.inf, default=10
        Epochs without an improvement of ``tol`` before stopping (or, with
        "adaptive", dividing the rate).
    max_fun : int, default=15000
        lbfgs's most loss evaluations.
    class_weight : dict, "balanced" or None
        (mlplab) Weights per class, multiplying ``sample_weight`` (scikit-learn's rule).
    dropout : float, default=0.0
        (mlplab) Dropout rate after each hidden layer while training.
    callbacks : list of mlplab callbacks, optional
        (mlplab) Told about every epoch, e.g. ``mlplab.WeightSnapshots()``.
    optimizer : engine optimizer, optional
        (mlplab) Replaces ``solver``'s (sgd/adam), e.g. ``SGD(learning_rate=
        schedules.CosineDecay(0.1, 1000))``; copied at each fit.
    dtype : "float32", "float64" or None
        (mlplab) The network's dtype; None follows X, as scikit-learn does.

    Attributes
    ----------
    classes_, loss_, best_loss_, loss_curve_, validation_scores_,
    best_validation_score_, t_, coefs_, intercepts_, n_features_in_,
    feature_names_in_, n_iter_, n_layers_, n_outputs_, out_activation_
        As scikit-learn documents them; ``coefs_`` and ``intercepts_`` are the
        network's own arrays, shapes (fan_in, fan_out) and (fan_out,).
    validation_loss_curve_ : list of float or None
        (mlplab) With ``early_stopping``: the held-out loss of every epoch.
    model_ : mlplab.engine.Sequential
        (mlplab) The fitted network, for ``mlplab.viz``, ``mlplab.trace`` and studies.
    """

    _is_classifier = True

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,),
                 activation: ActivationName | Sequence[ActivationName] = "relu", *,
                 solver: Literal["lbfgs", "sgd", "adam"] = "adam", alpha: float = 0.0001,
                 batch_size: int | Literal["auto"] = "auto",
                 learning_rate: Literal["constant", "invscaling", "adaptive"] = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
                 shuffle: bool = True, random_state: RandomState = None, tol: float = 1e-4,
                 verbose: bool = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: int = 10, max_fun: int = 15000,
                 class_weight: Mapping[Any, float] | Literal["balanced"] | None = None,
                 dropout: float = 0.0, callbacks: Sequence[Callback] | None = None,
                 optimizer: OptimizerLike | None = None, dtype: DTypeLike | None = None):
        _store(self, locals())

    def _validate_input(self, X, y, incremental, reset):
        """scikit-learn's: X and y checked, labels binarized (as bools)."""
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise InvalidInputError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has "
                        f"{classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise InvalidInputError(f"`y` has classes not in `self.classes_`. "
                                        f"`self.classes_` has {self.classes_}. 'y' has "
                                        f"{classes}.")
        return X, self._label_binarizer.transform(y).astype(bool)

    def _out_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _engine_loss(self):
        if self.out_activation_ == "softmax":
            return "categorical_crossentropy"
        return "binary_crossentropy" if self.n_outputs_ == 1 else "multilabel_crossentropy"

    def _class_sample_weight(self, y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        weights = compute_sample_weight(self.class_weight, np.asarray(y))
        return weights if sample_weight is None else weights * sample_weight

    def _score_outputs(self, outputs, Y, sample_weight):
        labels = self._label_binarizer.inverse_transform(
            outputs.ravel() if self.n_outputs_ == 1 else outputs)
        return accuracy_score(self._label_binarizer.inverse_transform(Y), labels,
                              sample_weight=sample_weight)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The predicted classes, shape (n_samples,) or (n_samples, n_classes)."""
        check_is_fitted(self)
        outputs = self._forward(X)
        return self._label_binarizer.inverse_transform(
            outputs.ravel() if self.n_outputs_ == 1 else outputs)

    @available_if(_solver_is_stochastic)
    def partial_fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
                    classes: ArrayLike | None = None) -> Self:
        """One epoch over (X, y); ``classes`` (every label) is needed on the first call."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Class probabilities, shape (n_samples, n_classes), ordered as ``classes_``."""
        check_is_fitted(self)
        outputs = self._forward(X)
        if self.n_outputs_ == 1:
            outputs = outputs.ravel()
        return np.vstack([1 - outputs, outputs]).T if outputs.ndim == 1 else outputs

    def predict_log_proba(self, X: ArrayLike) -> FloatArray:
        """``log(predict_proba(X))``, as scikit-learn computes it."""
        probabilities = self.predict_proba(X)
        return np.log(probabilities, out=probabilities)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, trained by
    the mlplab engine.

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default="squared_error"
        Half the squared error on a linear output, or half the Poisson deviance with a
        log link (``y >= 0``; predictions are ``exp`` of the outputs).

    Notes
    -----
    Every other parameter is as :class:`MLPClassifier`'s (without ``class_weight``);
    ``early_stopping`` scores R^2.
    """

    def __init__(self, loss: Literal["squared_error", "poisson"] = "squared_error",
                 hidden_layer_sizes: Sequence[int] = (100,),
                 activation: ActivationName | Sequence[ActivationName] = "relu", *,
                 solver: Literal["lbfgs", "sgd", "adam"] = "adam", alpha: float = 0.0001,
                 batch_size: int | Literal["auto"] = "auto",
                 learning_rate: Literal["constant", "invscaling", "adaptive"] = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
                 shuffle: bool = True, random_state: RandomState = None, tol: float = 1e-4,
                 verbose: bool = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, n_iter_no_change: int = 10, max_fun: int = 15000,
                 dropout: float = 0.0, callbacks: Sequence[Callback] | None = None,
                 optimizer: OptimizerLike | None = None, dtype: DTypeLike | None = None):
        _store(self, locals())

    def _check_parameters(self):
        super()._check_parameters()
        check(self.loss, "loss", Options(("squared_error", "poisson")), owner="MLPRegressor",
              example="MLPRegressor(loss='squared_error')")

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y.reshape(-1, 1) if y.ndim == 1 else y

    def _out_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _engine_loss(self):
        return "poisson" if self.loss == "poisson" else "half_squared_error"

    def _score_outputs(self, outputs, Y, sample_weight):
        return r2_score(Y, outputs, sample_weight=sample_weight)

    def predict(self, X: ArrayLike) -> FloatArray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs)."""
        check_is_fitted(self)
        outputs = self._forward(X)
        return outputs.ravel() if outputs.shape[1] == 1 else outputs

    @available_if(_solver_is_stochastic)
    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> Self:
        """One epoch over (X, y), continuing from the current weights."""
        return self._fit(X, y, sample_weight, incremental=True)


def _store(estimator, arguments):
    """Store the constructor's arguments as given (scikit-learn's convention)."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
