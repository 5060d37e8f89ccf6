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

# %%
import os

import mlplab
from mlplab import data, viz

QUICK = os.environ.get("MLPLAB_QUICK") == "1"
X, Y = data.xor(n_samples=10_000, kind="normal", one_hot=True, random_state=0)
X_test, Y_test = data.xor(n_samples=5_000, kind="normal", one_hot=True, random_state=1)
model = mlplab.Sequential.from_spec([2, 4, 4, 2], activation="relu", random_state=0)
model.compile(loss="categorical_crossentropy", metrics=["accuracy"],
              optimizer=mlplab.SGD(learning_rate=0.01, momentum=0.99))
history = model.fit(X, Y, epochs=10 if QUICK else 200, batch_size=100,
                    validation_data=(X_test, Y_test))
viz.plot_history(history);

# %%
print("test accuracy:", model.evaluate(X_test, Y_test)["accuracy"])
viz.plot_decision_boundary(model, X[:500], Y[:500], X_test=X_test[:500], y_test=Y_test[:500]);
