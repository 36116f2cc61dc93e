"""One small module per command, each with a `register(app)` that cli/app.py calls."""
