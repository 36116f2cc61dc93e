"""RULES.md, one module per section: which lines can be rated (eligibility, section 1), credit
points (credit, 2), detailed seller ratings (dsr, 3), the figures of both (figures), the
industry comparison and the checks (industry, checks; 3 and 4), and the rule profiles that
hold every number (profile and profiles/*.toml, 5). reasons.py names every reason code once.
No speed tricks here: the vectorised primitives the rules call live in scoring/engine/."""
