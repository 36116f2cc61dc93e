"""The command-line interface: parses options, calls the engine, renders; computes nothing."""

import os

# Arrow allocates from the C library's heap, the one numpy uses, so a big file's text columns,
# once typed and dropped, become the engine's arrays instead of fresh memory (see
# shopscore.scoring.engine.memory). Read by pyarrow when it loads: it must be set before pyarrow is
# imported; a value the user set wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
