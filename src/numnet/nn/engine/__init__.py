"""The speed machinery under ``numnet.nn``; layers and the model reach it, never the reverse.

- ``buffers.py``   one flat float32 buffer of parameters (and one of gradients), layer views
- ``fastpath.py``  the one-image path through a plain MLP
- ``threads.py``   how many threads the BLAS may use while training
- ``batches.py``   shuffled batches, gathered (and augmented) one batch ahead
"""
