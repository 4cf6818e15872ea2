"""The classic tutorial as a script: its own lines, with numnet's functions in place of its own.

    python examples/classic_walkthrough.py

This is the well-known from-scratch MNIST tutorial with one change: where the tutorial
defines ReLU, softmax, forward_propagation ... gradient_descent, show_prediction, this script
imports them, ``from numnet.twolayer import *``, and every call below is the tutorial's call.
It trains for 500 iterations (about 90% of the test images right), saves the parameters as
the tutorial's pickle ``trained_params.pkl``, loads them back, and shows a few test digits
with the network's guess (a window if there is a screen, else ``prediction_<i>.png``; the
files go into the current folder).  ``examples/classic_tutorial.ipynb`` is the same lesson
in Jupyter, with the equations explained.
"""

# ruff: noqa: F403, F405  (the star import is the point: it stands for the tutorial's functions)

import pickle

from numnet.core.atomic import atomic_write
from numnet.datasets import mnist
from numnet.twolayer import *
from numnet.twolayer import load_params

# 60,000 training and 10,000 test images, 28 x 28 grey levels 0..255, and their digits: what
# keras.datasets.mnist.load_data() returns ($NUMNET_DATA, numnet's or Keras' cache, or a
# download).
(X_train, Y_train), (X_test, Y_test) = mnist.load_data()
SCALE_FACTOR = 255
WIDTH, HEIGHT = X_train.shape[1], X_train.shape[2]

# One image per COLUMN, 784 pixels scaled to [0, 1]: X_train is (784, 60000).
X_train = X_train.reshape(X_train.shape[0], WIDTH * HEIGHT).T / SCALE_FACTOR
X_test = X_test.reshape(X_test.shape[0], WIDTH * HEIGHT).T / SCALE_FACTOR

# 784 -> 10 ReLU -> 10 softmax, full-batch gradient descent, alpha 0.10, 500 iterations.
W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 500)

test_predictions = make_predictions(X_test, W1, b1, W2, b2)
print(f"Test accuracy: {get_accuracy(test_predictions, Y_test):.4f}")

# The tutorial's pickle.  Written through numnet's atomic writer (the tutorial opens the file
# directly), so an interrupted run never leaves half a file.
with atomic_write("trained_params.pkl") as dump_file:
    pickle.dump((W1, b1, W2, b2), dump_file)

# The tutorial reads it back with pickle.load, which runs whatever code a pickle holds;
# load_params reads the same file through an allow-list of NumPy arrays.
W1, b1, W2, b2 = load_params("trained_params.pkl")

for index in (0, 1, 2, 3):
    show_prediction(index, X_test, Y_test, W1, b1, W2, b2)
