"""The input side: read the files (read.py; csvfile.py with encodings.py, excel.py, raw.py), map
each platform's headers and words onto the canonical columns (platforms.py and
formats/platforms.toml), type and validate every row (validate.py, times.py, amounts.py), join
the ratings to their lines (join.py) and account for every row read (dataset.py,
accounts.py); load.py runs the whole way."""
