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
# # E2. Hidden neurons at work
# A 2-4-3-1 sigmoid net learns XOR with per-sample SGD. Each first-layer neuron draws a
# straight line; the second layer combines them into bent boundaries. The blog initialises
# with `randn * sqrt(1 / fan_out)` (not Xavier: mlplab calls it `fan_out_normal`).

# %%
import os

import mlplab
from mlplab import data, viz

QUICK = os.environ.get("MLPLAB_QUICK") == "1"
EPOCHS = 15 if QUICK else 300
X, y = data.xor(n_samples=400, random_state=0)
model = mlplab.Sequential.from_spec([2, 4, 3, 1], activation="sigmoid",
                                    kernel_initializer="fan_out_normal", random_state=0)
model.compile(loss="binary_crossentropy", optimizer=mlplab.SGD(learning_rate=0.05),
              metrics=["accuracy"])

# %% [markdown]
# Train while recording the weights, then play the training back: the network's boundary
# beside every hidden neuron's.

# %%
animation = viz.animate_training(model, X, y, epochs=EPOCHS, batch_size=1,
                                 every=max(1, EPOCHS // 30), frames=30, resolution=60,
                                 random_state=0)
animation

# %%
print("accuracy:", model.evaluate(X, y)["accuracy"])
viz.plot_neurons(model, X, y);
