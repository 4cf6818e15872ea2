"""The speed machinery under ``numnet.nn``; layers and the model reach it, never the reverse.

- ``buffers.py``   one flat float32 buffer of parameters (and one of gradients), layer views
- ``fastpath.py``  the lean inference paths through a plain MLP (one image; batches of rows)
- ``relu.py``      max(x, 0) on the floats' bits (ReLU layers, Conv2D, fastpath)
- ``threads.py``   how many threads the BLAS may use (one per worker)
- ``batches.py``   shuffled batches, gathered (and augmented) one batch ahead
- ``workers.py``   a persistent pool of worker threads with a barrier; available cores
- ``collective.py`` all-reduce between the workers of one step (fixed order)
"""
