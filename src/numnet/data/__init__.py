"""What goes into a network besides MNIST itself (which is ``numnet.datasets``).

- ``imaging.py``  an image file or array -> 28x28 digits prepared the way MNIST prepared them
- ``augment.py``  random affine and elastic distortions of training batches

Nothing here imports ``numnet.nn``: the data side knows no model.
"""
