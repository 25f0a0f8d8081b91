"""tinyq's conformance suite: every supported op against the official interpreters.

``conformance.generators`` holds one module per op (found by scanning the package, so adding an
op's generator touches nothing else); ``conformance.runner`` runs their cases through tinyq and
the oracles and writes the report, failure directories and the portable golden-vector corpus.
"""
