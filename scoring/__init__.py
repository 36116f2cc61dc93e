"""The scoring engine and its use cases (api.py): pure functions over pandas data, no
command-line code. rules/ holds RULES.md, engine/ the speed, inputs/ the reading, insight/
and report/ what the operator reads, sample/ the sample shop."""
