"""Files numnet writes and reads back: model files and checkpoints.

- ``model_file.py``  ``save`` / ``load``: an ``.npz`` of numbers plus a JSON description
- ``checkpoint.py``  a training run's checkpoints and its resume

Every write is atomic (``numnet.core.atomic``) and every read treats the file as hostile.
"""
