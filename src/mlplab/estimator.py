"""scikit-learn estimators: thin adapters over :class:`mlplab.engine.Sequential`.

``NetClassifier`` and ``NetRegressor`` follow scikit-learn's conventions (the
constructor only stores arguments; ``fit`` validates, builds an engine model
and trains it; fitted attributes end in ``_``), so they work in ``Pipeline``,
``GridSearchCV`` and ``cross_val_score``. All training happens in the engine.

They share one implementation with scikit-learn's dialect (:mod:`mlplab.neural_network`),
each mapping its own arguments onto it: the epochs run by
:func:`mlplab._training.run_epochs`, scikit-learn's plateau rule
(:class:`mlplab.engine.stopping.NoImprovement`), the penalty scaled per batch
(:func:`mlplab._training.set_penalty`) and early stopping's held-out part
(:mod:`mlplab._holdout`). This module keeps what is mlplab's own: its names and
defaults (``epochs``, ``learning_rate`` as the step size, any engine optimizer,
initialiser or layer spec), label encoding and predictions; the argument table is in
:mod:`mlplab._net_parameters`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, column_or_1d, validate_data

from mlplab import _training as training
from mlplab._holdout import net_hold_out
from mlplab._net_parameters import (  # PARAMETERS: the table, read from here too
    OPTIMIZER_SETTINGS,
    PARAMETERS,  # noqa: F401
    check_parameters,
)
from mlplab._rng import as_generator
from mlplab._sklearn import UnfittedError, class_sample_weight, named_errors, readable
from mlplab._typing import FloatArray, RandomState
from mlplab._validation import (
    Widths,
    as_numeric_array,
    check_magnitude,
    input_bound,
    short_repr,
)
from mlplab.engine import callbacks, optimizers
from mlplab.engine.callbacks import Callback
from mlplab.engine.layers import Dense
from mlplab.engine.model import Sequential
from mlplab.engine.stopping import NoImprovement
from mlplab.errors import (
    InvalidInputError,
    InvalidTypeError,
    TrainingDivergedError,
)


class _BaseNet(BaseEstimator):
    """Shared fit machinery; subclasses define the task (targets, output, scores)."""

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,), *,
                 layers: Sequence[dict[str, Any]] | None = None, activation: str = "relu",
                 output_activation: str | None = None, loss: str | None = None,
                 optimizer: str = "adam", learning_rate: float = 0.001, momentum: float = 0.9,
                 nesterov: bool = True, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8, batch_size: int | None = 32, epochs: int = 200,
                 kernel_initializer: str | dict[str, Any] = "glorot_uniform", alpha: float = 0.0001,
                 l1: float = 0.0, tol: float = 1e-4, n_iter_no_change: int | None = 10,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 shuffle: bool = True, warm_start: bool = False, random_state: RandomState = None,
                 dtype: DTypeLike = "float64", verbose: int = 0,
                 callbacks: Sequence[Callback] | None = None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layers = layers
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.batch_size = batch_size
        self.epochs = epochs
        self.kernel_initializer = kernel_initializer
        self.alpha = alpha
        self.l1 = l1
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.dtype = dtype
        self.verbose = verbose
        self.callbacks = callbacks

    # -- public API -------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
            class_weight: Mapping[Any, float] | Literal["balanced"] | None = None) -> Self:
        """Train for up to ``epochs`` epochs (fewer if the loss stops improving).

        ``class_weight`` (classifiers): a dict ``{label: weight}`` or "balanced",
        multiplying ``sample_weight`` as scikit-learn's ``compute_sample_weight`` does.

        Returns
        -------
        self
        """
        self._check_parameters()
        incremental = self.warm_start and hasattr(self, "model_")
        if class_weight is not None:
            sample_weight = class_sample_weight(self, y, sample_weight, class_weight)
        return self._fit(X, y, sample_weight, epochs=self.epochs, incremental=incremental)

    def partial_fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
                    **kwargs: Any) -> Self:
        """Train for one epoch, continuing from the current weights (if any)."""
        self._check_parameters()
        return self._fit(X, y, sample_weight, epochs=1, incremental=hasattr(self, "model_"),
                         partial=True, **kwargs)

    @property
    def coefs_(self) -> list[FloatArray]:
        self._check_fitted()
        return [layer.kernel for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[FloatArray]:
        self._check_fitted()
        return [layer.bias for layer in self._dense_layers()]

    # -- the shared fit path -------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, epochs, incremental, partial=False, classes=None):
        owner = f"{type(self).__name__}.{'partial_fit' if partial else 'fit'}"
        with named_errors(owner):
            readable(X, "X")
            if not self._is_classifier:  # a classifier's labels may be anything
                readable(y, "y")
            X, y = validate_data(self, X, y, reset=not incremental, dtype=self._accepted_dtypes(),
                                 multi_output=self._multi_output,
                                 y_numeric=not self._is_classifier)
            if self.dtype == "infer" and not incremental:
                self.dtype_ = "float32" if X.dtype == np.float32 else "float64"
            X = self._within_bound(X)
            targets = self._encode_targets(y, incremental, classes, partial)
            if sample_weight is not None:  # float64: the engine scales it, then casts
                if not np.isscalar(sample_weight):  # text, objects: a message, not numpy's
                    as_numeric_array(sample_weight, "sample_weight",
                                     "Give one number per sample, e.g. np.ones(n_samples)")
                sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        with named_errors(owner, scikit_learn=False):
            if not incremental:
                self.model_ = self._build_model(X.shape[1], self._n_outputs(targets), len(X))
                self.loss_curve_: list[float] = []
                self.validation_scores_: list[float] = []
                self.n_iter_ = 0
                self.best_validation_score_ = None
            try:
                history, rule = self._train(X, targets, sample_weight, epochs, partial)
            except TrainingDivergedError:
                if not incremental:
                    del self.model_  # a diverged network is no fitted model
                raise
        self.loss_curve_ = self.loss_curve_ + history.history["loss"]
        self.n_iter_ += len(history.epoch)
        if self.early_stopping and not partial:
            self.validation_scores_ = self.validation_scores_ + rule.scores
            self.best_validation_score_ = max(self.validation_scores_)
        self.n_features_in_ = X.shape[1]
        return self

    def _train(self, X, targets, sample_weight, epochs, partial):
        """The shared stochastic loop (:func:`mlplab._training.run_epochs`) with this
        family's settings: its batch size, and scikit-learn's plateau rule on the loss
        (or with ``early_stopping`` on the held-out score) unless ``n_iter_no_change`` is
        None. A diverging fit raises (with the likely cause), as scikit-learn's MLP
        refuses non-finite weights, instead of leaving a model that predicts garbage."""
        rule = None
        if not partial and (self.early_stopping or self.n_iter_no_change is not None):
            validation_score = None
            if self.early_stopping:
                X, targets, sample_weight, validation_score = net_hold_out(
                    self, X, targets, sample_weight)
            rule = NoImprovement(tol=self.tol, validation_score=validation_score,
                                 n_iter_no_change=(math.inf if self.n_iter_no_change is None
                                                   else self.n_iter_no_change))
            rule.keep_weights(self.model_)
        batch_size = self._batch_size(len(X))
        if self.alpha or self.l1:  # else a layer spec's own kernel_regularizer stays
            training.set_penalty(self.model_, self.alpha, batch_size or len(X), len(X),
                                 sample_weight, l1=self.l1)
        history = training.run_epochs(
            self.model_, X, targets, sample_weight, epochs=epochs, batch_size=batch_size,
            shuffle=self.shuffle, rng=self._fit_rng, rule=rule,
            guard=callbacks.TerminateOnNaN(raise_error=True), verbose=self.verbose,
            callbacks=self.callbacks)
        if self.early_stopping and rule is not None:
            rule.restore_best(self.model_)
        if rule is not None and not rule.stopped and epochs > 1:
            warnings.warn(
                f"{type(self).__name__}: stopped after epochs={epochs} before the loss "
                f"converged (tol={self.tol}). Raise epochs, or raise learning_rate.",
                ConvergenceWarning, stacklevel=3)
        return history, rule

    def _build_model(self, n_features, n_outputs, n_samples):
        self._fit_rng = as_generator(self._seed())
        spec = self.layers
        if spec is None:
            spec = [n_features, *self._hidden_sizes(), n_outputs]
        model = Sequential.from_spec(spec, activation=self.activation,
                                     output_activation=self._output_activation(),
                                     kernel_initializer=self.kernel_initializer,
                                     random_state=self._fit_rng, dtype=self._model_dtype)
        if not model.built:  # a spec without the input width
            model.build(n_features)
        if model.output_units != n_outputs:
            raise InvalidInputError(
                f"layers: the last layer has {model.output_units} units but the "
                f"targets need {n_outputs}. Set its output_dim to {n_outputs}.")
        model.compile(loss=self.loss, optimizer=self._optimizer())
        return model

    def _optimizer(self):
        name = str(self.optimizer).lower() if isinstance(self.optimizer, str) else None
        if name not in OPTIMIZER_SETTINGS:
            return optimizers.get(self.optimizer)  # raises with the valid names
        settings = {key: getattr(self, key) for key in OPTIMIZER_SETTINGS[name]}
        if name == "sgd" and not self.momentum:
            settings["nesterov"] = False
        return optimizers.get(name, **settings)

    def _seed(self):
        if isinstance(self.random_state, np.random.RandomState):
            return int(self.random_state.randint(2**31 - 1))
        if isinstance(self.random_state, np.random.Generator):
            return int(self.random_state.integers(2**31 - 1))
        return self.random_state

    def _batch_size(self, n_samples):
        return None if self.batch_size is None else min(self.batch_size, n_samples)

    def _hidden_sizes(self):
        return Widths().convert(self.hidden_layer_sizes)

    def _dense_layers(self, model=None):
        return [layer for layer in (model or self.model_).layers if isinstance(layer, Dense)]

    def _check_parameters(self):
        check_parameters(self)

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise UnfittedError(f"This {type(self).__name__} instance is not fitted yet. Call "
                                "'fit' with appropriate arguments before using this estimator.")

    def _accepted_dtypes(self):
        """What validate_data may leave X as: the model's dtype, or float64 for float32
        models, so that values beyond float32 are refused here instead of overflowing."""
        if self.dtype == "infer":  # float32 stays float32; anything else becomes float64
            return [np.float64, np.float32]
        return np.float64 if self.dtype in ("float64", np.float64) else [np.float32, np.float64]

    @property
    def _model_dtype(self):
        """The dtype the network computes in: ``dtype``, or with "infer" the dtype of the
        X it was fitted on (``dtype_``; float64 before any fit)."""
        if self.dtype != "infer":
            return np.dtype(self.dtype)
        return np.dtype(getattr(self, "dtype_", "float64"))

    def _within_bound(self, X):
        """``X`` within the engine's magnitude bound, cast to the model's dtype."""
        dtype = self._model_dtype
        check_magnitude(X, "X", dtype, input_bound(dtype))
        return X.astype(dtype, copy=False)

    def _validated_X(self, X):
        """``X`` checked for prediction as in fit, errors naming the estimator."""
        self._check_fitted()
        with named_errors(f"{type(self).__name__}.predict"):
            readable(X, "X")
            X = validate_data(self, X, reset=False, dtype=self._accepted_dtypes())
            return self._within_bound(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


class NetClassifier(ClassifierMixin, _BaseNet):
    """A feed-forward network classifier trained by the mlplab engine.

    Binary problems get one sigmoid output and binary cross-entropy; more
    classes get a softmax output and categorical cross-entropy. Labels may be
    any values (ints, strings); they are encoded and decoded for you.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers, e.g. ``(8, 8)``; ``()`` gives a linear model.
    layers : list of dict, optional
        A full layer spec instead (per-layer activations, initialisers), as
        for :meth:`Sequential.from_spec`; overrides ``hidden_layer_sizes``.
    activation : str
        Hidden activation.
    output_activation : str, optional
        Default: sigmoid for two classes, softmax for more.
    loss : str, optional
        Default: the natural loss of the output activation.
    optimizer : {"adam", "sgd", "rmsprop", "adagrad"}
    learning_rate : float
        Step size of the optimizer.
    momentum : float
        SGD's momentum (``optimizer="sgd"`` only).
    nesterov : bool
        Use Nesterov's momentum (``optimizer="sgd"`` only).
    beta_1 : float
        Adam's decay rate of the first moment estimates.
    beta_2 : float
        Adam's decay rate of the second moment estimates.
    epsilon : float
        Added to denominators by Adam, RMSprop and Adagrad.
    batch_size : int or None
        ``None``: full-batch gradient descent; ``1``: per-sample SGD.
    epochs : int
        The most passes over the data (scikit-learn's ``max_iter``).
    kernel_initializer : str or dict
    alpha : float
        L2 strength, scaled like scikit-learn's ``alpha``.
    l1 : float
        L1 strength, scaled the same way.
    tol : float
        The least improvement that counts (see ``n_iter_no_change``).
    n_iter_no_change : int or None
        Stop when the training loss (or, with ``early_stopping``, the validation
        accuracy) has not improved by ``tol`` for ``n_iter_no_change`` epochs.
        ``None`` always runs all ``epochs`` (as the seed experiments do), with
        no ConvergenceWarning.
    early_stopping : bool
        Hold out a stratified ``validation_fraction`` and stop on its accuracy,
        keeping the best weights.
    validation_fraction : float
        The part held out with ``early_stopping``.
    shuffle : bool
        Reshuffle the samples every epoch.
    warm_start : bool
        Continue from the previous fit's weights, as in scikit-learn's MLP.
    random_state : None, int or numpy.random.Generator
    dtype : "float64", "float32" or "infer"
        "infer": float32 when the X given to fit is float32, else float64 (``dtype_``).
    verbose : int
        ``1`` shows a progress bar.
    callbacks : list of mlplab callbacks, optional
        Told of every epoch of each fit, after the stopping rule, e.g.
        ``[mlplab.TrainingHealth(X, y)]`` (then ``viz.plot_training_health(est)``).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
        The labels seen in ``fit``.
    n_features_in_ : int
        The number of features seen in ``fit``.
    loss_curve_ : list of float
        The training loss of every epoch.
    validation_scores_ : list of float
        With ``early_stopping``: the held-out score of every epoch.
    best_validation_score_ : float or None
        With ``early_stopping``: the best of them.
    n_iter_ : int
        Epochs run.
    coefs_ : list of ndarray
        Each Dense layer's kernel, shape (fan_in, fan_out).
    intercepts_ : list of ndarray
        Each Dense layer's bias, shape (fan_out,).
    model_ : Sequential
        The engine's network.
    """

    _is_classifier = True
    _multi_output = False

    def _encode_targets(self, y, incremental, classes, partial):
        y = column_or_1d(y, warn=True)
        if y.dtype == object and len({isinstance(label, str) for label in y}) > 1:
            raise InvalidTypeError(
                f"y mixes text and number labels (such as {short_repr(y[:4].tolist())}); give "
                "labels of one kind, e.g. y.astype(str).")
        check_classification_targets(y)
        if partial and not incremental:
            if classes is None:
                raise InvalidInputError("partial_fit: pass classes= (all the labels) on the "
                                        "first call, e.g. partial_fit(X, y, classes=[0, 1]).")
            self._label_encoder = LabelEncoder().fit(column_or_1d(classes))
        elif not incremental:
            self._label_encoder = LabelEncoder().fit(y)
        unseen = np.setdiff1d(y, self._label_encoder.classes_)
        if unseen.size:
            raise InvalidInputError(
                f"y contains labels {short_repr(unseen.tolist())} that were not in classes "
                f"{short_repr(self._label_encoder.classes_.tolist())}.")
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise InvalidInputError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data; got 1 "
                f"class: {short_repr(self.classes_[0])}.")
        return self._label_encoder.transform(y)

    def _n_outputs(self, targets):
        binary_sigmoid = len(self.classes_) == 2 and self.output_activation != "softmax"
        return 1 if binary_sigmoid else len(self.classes_)

    def _output_activation(self):
        if self.output_activation is not None:
            return self.output_activation
        return "sigmoid" if len(self.classes_) == 2 else "softmax"

    def _score_metric(self):
        from mlplab.engine.metrics import accuracy

        return accuracy

    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,  # type: ignore[override]
                    sample_weight: ArrayLike | None = None) -> Self:
        """One epoch of training; give ``classes`` (all labels) on the first call."""
        return super().partial_fit(X, y, sample_weight=sample_weight, classes=classes)

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Class probabilities, shape (n_samples, n_classes), columns ordered as ``classes_``."""
        X = self._validated_X(X)
        try:
            return self.model_.predict_proba(X)
        except InvalidInputError as exc:  # e.g. a linear output layer: say whose it is
            raise InvalidInputError(f"{type(self).__name__}.predict_proba: {exc}") from None

    def predict_log_proba(self, X: ArrayLike) -> FloatArray:
        """Log of ``predict_proba``, computed from the logits (finite even where p ~ 0)."""
        X = self._validated_X(X)
        z = self.model_.predict_logits(X)
        if z.shape[1] == 1:
            return np.hstack([-np.logaddexp(0, z), -np.logaddexp(0, -z)])
        return z - np.logaddexp.reduce(z, axis=1, keepdims=True)

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Logits: shape (n_samples,) for two classes (> 0 means ``classes_[1]``),
        else (n_samples, n_classes)."""
        X = self._validated_X(X)
        z = self.model_.predict_logits(X)
        if z.shape[1] == 1:
            return z[:, 0]
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z  # two softmax units: one score

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class of each sample, shape (n_samples,)."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]



class NetRegressor(RegressorMixin, _BaseNet):
    """A feed-forward network regressor (linear output, mean squared error).

    Same parameters as :class:`NetClassifier`; ``y`` may have several columns
    (multi-output regression). ``validation_scores_`` hold R^2 scores.
    """

    _is_classifier = False
    _multi_output = True

    def _encode_targets(self, y, incremental, classes, partial):
        dtype = self._model_dtype
        check_magnitude(np.asarray(y), "y", dtype, input_bound(dtype))  # the loss squares it
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._single_output = y.ndim == 1
        return y

    def _n_outputs(self, targets):
        return 1 if targets.ndim == 1 else targets.shape[1]

    def _output_activation(self):
        return self.output_activation or "linear"

    def _score_metric(self):
        from mlplab.engine.metrics import r2

        return r2

    def predict(self, X: ArrayLike) -> FloatArray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs)."""
        X = self._validated_X(X)
        out = self.model_.predict(X)
        return out[:, 0] if self._single_output else out

