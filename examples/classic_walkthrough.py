"""The classic tutorial, top to bottom: a two-layer network learns MNIST with NumPy alone.

Run it from the repository root:

    python examples/classic_walkthrough.py                  # the tutorial: 500 iterations
    python examples/classic_walkthrough.py --iterations 50  # a quick look

It prints the training accuracy as it learns (about 90% after 500 iterations), saves the
parameters, loads them back, and draws a few test digits with the network's guesses as PNG
files in --out-dir, whose names it prints.  Every function used is in
``src/numnet/twolayer.py``, one function per step, equations in its docstring.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from numnet import twolayer
from numnet.datasets import mnist

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--iterations", type=int, default=500, help="gradient-descent steps")
parser.add_argument("--out-dir", type=Path, default=Path("walkthrough"), help="files go here")
args = parser.parse_args()

# 1. Load MNIST, exactly what keras.datasets.mnist.load_data() returns: 60,000 training
#    and 10,000 test images of 28x28 grey levels (uint8, 0..255) and their labels 0..9.
#    numnet looks in $NUMNET_DATA, its cache and Keras' cache, and downloads if it must.
(x_train, y_train), (x_test, y_test) = mnist.load_data()
print("training images", x_train.shape, x_train.dtype, "labels", y_train.shape)

# 2. Preprocess: flatten each image to 784 numbers and scale them to [0, 1]; that gives
#    one image per ROW, (60000, 784).  The tutorial wants one image per COLUMN, (784, m),
#    so we transpose (a view: no data is copied).
X_train = mnist.preprocess(x_train).T  # (784, 60000) float32
X_test = mnist.preprocess(x_test).T  # (784, 10000)
Y_train, Y_test = y_train, y_test
print(f"X_train {X_train.shape} {X_train.dtype}, values in [{X_train.min()}, {X_train.max()}]")

# 3. Train: 784 inputs -> 10 hidden ReLU units -> 10 softmax outputs, full-batch gradient
#    descent with learning rate alpha = 0.1.  Each iteration runs forward_propagation on all
#    60,000 images, backward_propagation for the gradients, and update_params.
params, history = twolayer.gradient_descent(
    X_train, Y_train, alpha=0.1, iterations=args.iterations, hidden=10, print_every=50
)
# params is {"W1": (10, 784), "b1": (10, 1), "W2": (10, 10), "b2": (10, 1)}.

# 4. How good is it on images it has never seen?
test_predictions = twolayer.make_predictions(X_test, **params)
print(f"test accuracy: {twolayer.get_accuracy(test_predictions, Y_test):.4f}")

# 5. Save the parameters (a pickle, as in the tutorial), and load them back.  Loading
#    uses an allow-list: a pickle can run code, so only NumPy arrays are accepted.
path = twolayer.save_params(params, args.out_dir / "twolayer.pkl")
loaded = twolayer.load_params(path)
assert all(np.array_equal(loaded[k], params[k]) for k in params)
print(f"saved and reloaded {path}")

# 6. Look at a few test images with what the network thinks they are.  show_prediction
#    prints "Prediction: ... Label: ...", then draws the digit beside the ten probabilities.
#    Without path=..., it opens a window instead, as the tutorial does (if there is a screen).
for index in (0, 1, 2, 3):
    twolayer.show_prediction(
        index, X_test, Y_test, **loaded, path=args.out_dir / f"prediction_{index}.png"
    )

# 7. The mistakes are instructive too: the first test image the network gets wrong.
wrong = np.flatnonzero(test_predictions != Y_test)
if wrong.size:
    twolayer.show_prediction(
        int(wrong[0]), X_test, Y_test, **loaded, path=args.out_dir / "first_mistake.png"
    )
