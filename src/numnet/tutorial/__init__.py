"""The classic tutorial network, kept whole (``numnet.twolayer`` is its short name).

- ``twolayer.py``     the network, one function per step, its equations in the docstring
- ``safe_pickle.py``  the allow-list unpickler that reads the tutorial's pickle files

This part stands beside ``numnet.nn`` and imports nothing from it: a learner reads it alone.
"""
