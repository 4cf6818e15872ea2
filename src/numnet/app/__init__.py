"""The thin top: the ``numnet`` command (``cli/``) and the draw-a-digit page (``serve/``).

Both parse what the user gave, call the library and report; neither holds mathematics.
"""
