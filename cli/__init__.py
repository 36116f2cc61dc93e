"""The command-line interface: parses options, calls the engine, renders; computes nothing."""
