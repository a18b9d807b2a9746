"""The updeck domain: phases, templates, projects, events, the checklist engine.

Pure Python. Nothing here imports Textual, TinyDB or YAML, and nothing does I/O;
``tests/test_layering.py`` proves it.
"""
