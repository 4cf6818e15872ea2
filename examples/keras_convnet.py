"""keras.io's "Simple MNIST convnet", written for numnet as a Keras user writes it.

The network, data handling and training settings of https://keras.io/examples/vision/mnist_convnet/
(conv 32 -> pool -> conv 64 -> pool -> flatten -> dropout 0.5 -> dense 10 softmax, Adam,
categorical cross-entropy on one-hot labels, batch 128, 15 epochs, the last 10% of the
training images held out for validation), with numnet's names:

    python examples/keras_convnet.py               # 15 epochs, as the Keras example
    python examples/keras_convnet.py --epochs 2    # a quick look

The Keras example reports a test accuracy of 0.9922 (its page, 15 epochs); the figure
numnet reaches is in the README (section "Keras-style and scikit-learn-style").
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import numnet
from numnet.datasets import mnist
from numnet.nn import Conv2D, Dense, Dropout, Flatten, Input, MaxPool2D, Sequential
from numnet.nn.functional import one_hot

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=15, help="passes over the training images")
parser.add_argument("--out", default="keras_convnet.npz", help="where to save the model")
args = parser.parse_args()

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)  # (60000, 28, 28, 1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
y_train, y_test = one_hot(y_train, 10), one_hot(y_test, 10)

model = Sequential([
    Input(shape=(28, 28, 1)),
    Conv2D(32, kernel_size=(3, 3), activation="relu"),
    MaxPool2D(pool_size=2),
    Conv2D(64, kernel_size=(3, 3), activation="relu"),
    MaxPool2D(pool_size=2),
    Flatten(),
    Dropout(0.5),
    Dense(10, activation="softmax"),
])
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
start = time.perf_counter()
model.fit(x_train, y_train, batch_size=128, epochs=args.epochs, validation_split=0.1, verbose=2)
print(f"trained in {time.perf_counter() - start:.0f} s")
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
model.save(args.out)
again = numnet.load_model(args.out)
labels = np.argmax(model.predict(x_test), axis=1)
same = np.array_equal(np.argmax(again.predict(x_test), axis=1), labels)
print(f"saved to {args.out}; reloaded model gives the same labels: {same}")
