"""The original notebook of the tutorial, its function definitions replaced by numnet's.

A copy as learners keep it: the original's names and argument orders, its Kaggle-style data
(42,000 labelled images as rows of pixels after the label, shuffled, the first 1,000 kept
aside as a dev set), and its own training loop, which now calls numnet's ``init_params``,
``forward_prop``, ``backward_prop`` and ``update_params`` (alpha last).  Run by
``tests/test_twolayer.py``; it prints the dev and test accuracy.
"""

import numpy as np

from numnet.datasets import mnist
from numnet.twolayer import (
    backward_prop,
    forward_prop,
    get_accuracy,
    get_predictions,
    init_params,
    make_predictions,
    test_prediction,
    update_params,
)

# Kaggle's train.csv: 42,000 rows of label, pixel0 ... pixel783.
(x, y), (x_test, y_test) = mnist.load_data()
data = np.column_stack([y[:42000], x[:42000].reshape(42000, 784)]).astype(np.int64)
m, n = data.shape
np.random.default_rng(0).shuffle(data)

data_dev = data[0:1000].T
Y_dev = data_dev[0]
X_dev = data_dev[1:n]
X_dev = X_dev / 255.0

data_train = data[1000:m].T
Y_train = data_train[0]
X_train = data_train[1:n]
X_train = X_train / 255.0
_, m_train = X_train.shape


def gradient_descent(X, Y, alpha, iterations):
    W1, b1, W2, b2 = init_params()
    for i in range(iterations):
        Z1, A1, Z2, A2 = forward_prop(W1, b1, W2, b2, X)
        dW1, db1, dW2, db2 = backward_prop(Z1, A1, Z2, A2, W1, W2, X, Y)
        W1, b1, W2, b2 = update_params(W1, b1, W2, b2, dW1, db1, dW2, db2, alpha)
        if i % 10 == 0:
            print("Iteration: ", i)
            predictions = get_predictions(A2)
            print(get_accuracy(predictions, Y))
    return W1, b1, W2, b2


W1, b1, W2, b2 = gradient_descent(X_train, Y_train, 0.10, 500)

test_prediction(0, W1, b1, W2, b2)
test_prediction(1, W1, b1, W2, b2)

dev_predictions = make_predictions(X_dev, W1, b1, W2, b2)
print("Dev accuracy:", get_accuracy(dev_predictions, Y_dev))
test_predictions = make_predictions(x_test.reshape(-1, 784).T / 255.0, W1, b1, W2, b2)
print("Test accuracy:", get_accuracy(test_predictions, y_test))
