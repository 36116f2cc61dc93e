"""The HTML report: one self-contained page per audit (html.py)."""
