"""The bottom layer: what every other part of numnet may use, and which uses none of them.

- ``errors.py``   the exception types whose message is the one line a user sees
- ``atomic.py``   writing files whole (temporary file, then rename) or not at all
- ``scratch.py``  reusable work arrays, so hot loops allocate nothing
"""
