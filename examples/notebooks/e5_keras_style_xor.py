# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # E5. Keras-style XOR
# 10 000 points from a standard normal, labels one-hot `[x1*x2 > 0, x1*x2 <= 0]`;
# a 2-4-4-2 ReLU net with a softmax output, SGD with momentum 0.99, batch 100, 200 epochs;
# 5 000 fresh test points.
#
# The lecture notes write this in Keras. Here is their code with only the imports changed
# to `mlplab.keras` (see the guide's "Porting a course notebook"): the model it builds is
# an mlplab model, so mlplab's pictures take it as it is.

# %%
import os

import mlplab.keras as keras  # was: import keras.optimizers
from mlplab import data, viz
from mlplab.keras.layers import Dense  # was: from keras.layers import Dense
from mlplab.keras.models import Sequential  # was: from keras.models import Sequential

QUICK = os.environ.get("MLPLAB_QUICK") == "1"
keras.utils.set_random_seed(0)  # the same numbers on every run
X_train, y_train = data.xor(n_samples=10_000, kind="normal", one_hot=True, random_state=0)
X_test, y_test = data.xor(n_samples=5_000, kind="normal", one_hot=True, random_state=1)

# %%
model = Sequential()
model.add(Dense(4, activation="relu", input_dim=2))
model.add(Dense(4, activation="relu"))
model.add(Dense(2, activation="softmax"))
optimizer = keras.optimizers.SGD(momentum=0.99)  # Keras' default learning rate, 0.01
# Keras computes binary cross-entropy element-wise on the softmax probabilities: so does
# mlplab (from the logits, so it stays finite).
model.compile(loss="binary_crossentropy", optimizer=optimizer)
model.summary()

# %%
# The notes call fit with Keras' default verbose, one line per epoch; verbose=0 keeps
# this page short.
results = model.fit(X_train, y_train, epochs=10 if QUICK else 200, batch_size=100,
                    verbose=0)
viz.plot_history(results);

# %%
predictions = model.predict(X_test, verbose=0)
print("predictions:", predictions.shape, predictions.dtype)
print("test accuracy:", (predictions.argmax(axis=1) == y_test.argmax(axis=1)).mean())
viz.plot_decision_boundary(model, X_train[:500], y_train[:500], X_test=X_test[:500],
                           y_test=y_test[:500]);
