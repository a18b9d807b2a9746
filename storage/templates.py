"""Template files, the public face: load, validate, resolve inheritance, find on the search path.

The contract is ``docs/templates.md`` (format 1). Public API:

- :func:`load_template_file` -- one file (and the parents it ``extends``) into a
  :class:`LoadedTemplate`; raises :class:`TemplateErrors` listing *every* problem.
- :func:`load_template_text` -- the same for text in memory (the importer checks its
  own output with it).
- :func:`validate_file` -- the problems of a file as a list (empty: valid).
- :func:`discover` -- every template on the search path, as :class:`TemplateEntry`
  rows (shadowed ones and broken ones included and marked).
- :func:`find_template` -- a template by id on the search path, or by file path;
  :class:`TemplateNotFound` lists the available ids.

The work lives in small modules, re-exported here (import from this module):
``template_errors`` (the error types), ``template_fields`` (typed values from YAML nodes),
``template_schema`` (allowed keys per level, :data:`TEMPLATE_KEYS`, the check of one file),
``template_session`` (search path, parse cache, files in a folder), ``template_inherit``
(``extends``/``drop`` merge, reference and cycle checks), ``template_loader`` (a file or text
with its parents into a :class:`LoadedTemplate`) and ``template_search`` (``discover``,
``find_template``).

Every problem is a :class:`TemplateError` whose ``str()`` is ``FILE:LINE:COL: message``
(1-based). Nothing here raises anything else for any input: an unexpected failure
while loading becomes a clean :class:`TemplateError` too.

Details the spec leaves open, decided here:

- Text is kept literally (no Markup processing); where a string is expected, a plain
  scalar such as ``2.1`` or ``yes`` is taken as its source text. ``null`` is not text.
- ``extends: X`` takes the first *valid* template with id ``X`` on the search path that
  is not already in the chain being loaded (so a user template may extend the shipped
  template it shadows); the folder of the file being loaded is searched last, after the
  search path. ``extends`` chains deeper than 16 are refused.
- A child item with a parent's id replaces it in the parent's position when both are
  in the same phase; listed under another phase, it moves there (appended).
- ``sha256`` is over the bytes of the source files, child first then each parent
  (``cat child.yaml parent.yaml | sha256sum``).
- YAML merge keys (``<<: *anchor``) are honoured; duplicate keys are errors.
"""


from __future__ import annotations

from updeck.storage.template_errors import TemplateError, TemplateErrors, TemplateNotFound
from updeck.storage.template_fields import ITEM_ID
from updeck.storage.template_loader import (
    LoadedTemplate,
    load_template_file,
    load_template_text,
    validate_file,
)
from updeck.storage.template_schema import SUPPORTED_FORMATS, TEMPLATE_ID, TEMPLATE_KEYS
from updeck.storage.template_search import TemplateEntry, discover, find_template
from updeck.storage.template_session import template_files

__all__ = [
    "ITEM_ID",
    "SUPPORTED_FORMATS",
    "TEMPLATE_ID",
    "TEMPLATE_KEYS",
    "LoadedTemplate",
    "TemplateEntry",
    "TemplateError",
    "TemplateErrors",
    "TemplateNotFound",
    "discover",
    "find_template",
    "load_template_file",
    "load_template_text",
    "template_files",
    "validate_file",
]
