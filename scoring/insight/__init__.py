"""What the audit means for the operator: why a rating counted (explain, why), what it takes to
reach a bar (whatif), how the DSR moves as scores age (forecast), and the stored history."""
