"""``runlab ui``: a local, read-only web dashboard over the run index.

Nothing is imported here: the web framework (Starlette, uvicorn, Jinja2) loads only when the ``ui``
command runs (``runlab.web.app``), so ``import runlab`` and ``runlab --help`` stay light.
"""
