"""updeck: a terminal dashboard that runs system upgrades through seven phases.

The installed package maps the repository's folders: ``updeck.models`` (the pure domain),
``updeck.storage`` (the disk), ``updeck.tui`` (the dashboard and the command line) and
``updeck.sample_plans`` (the templates shipped with updeck). Imports only go down.
"""

__version__ = "0.2.0"
