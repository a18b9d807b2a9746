"""The faces of updeck: the Textual dashboard and the ``updeck`` command line."""

__version__ = "0.1.0"
