"""What goes into a network besides MNIST itself (which is ``numnet.datasets``).

- ``imaging/``    photos of handwriting, files or arrays -> 28x28 digits as MNIST prepared them,
                  one or a whole number of them, or "no digit"
- ``augment.py``  random affine and elastic distortions of training batches

Nothing here imports ``numnet.nn``: the data side knows no model.
"""
