"""exportctl: a first-pass export-control and ATAS classification assistant.

Suggestions only: an export-control officer makes every decision.
"""

__version__ = "0.1.0"
