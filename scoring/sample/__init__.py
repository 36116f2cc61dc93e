"""A deterministic, vectorised sample shop: realistic trade lines that exercise every scoring
rule (simulate.py draws them, write.py writes them)."""

from shopscore.scoring.sample.simulate import COLUMNS
from shopscore.scoring.sample.write import generate, write_douyin_sample, write_sample

__all__ = ["COLUMNS", "generate", "write_douyin_sample", "write_sample"]
