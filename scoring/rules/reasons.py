"""The reason codes of RULES.md, defined once: every fate a rating can meet, every anomaly,
and the rule each one stands for (the words `shopscore explain` gives)."""

from __future__ import annotations

COUNTED = "counted"
UNRATED = "unrated"  # a trade line that carries no rating (and no default positive)
AFTER_AS_OF = "after_as_of"  # nothing after as_of exists
ORPHAN = "orphan"  # a rating whose trade line is not in the data

# Section 1, in the order RULES.md lists the conditions: a rating fails the first one.
ELIGIBILITY = ("not_success", "not_escrow", "refunded")

# The fates of a buyer's credit rating of a line (RULES.md sections 1 and 2), in the order the
# rules decide them.
CREDIT_FATES = (COUNTED, UNRATED, AFTER_AS_OF, *ELIGIBILITY, "outside_rating_window", "deleted",
                "low_amount", "same_item_14d", "monthly_cap")
# Data the credit rules forbid, reported and otherwise ignored (RULES.md section 2).
CREDIT_ANOMALIES = ("revision_of_positive", "revision_after_30_days", "revision_before_rating")

# The fates of a DSR-scored order (RULES.md section 3).
OUTSIDE_DSR_WINDOW = "outside_dsr_window"
DSR_FATES = (COUNTED, AFTER_AS_OF, *ELIGIBILITY, "outside_rating_window", "dsr_monthly_cap",
             OUTSIDE_DSR_WINDOW)
DSR_CONFLICT = "dsr_conflict"  # lines of one order carry different DSR scores

# The rule each fate stands for, in the words of RULES.md.
RULE_TEXT = {
    COUNTED: "counted",
    UNRATED: "no rating",
    AFTER_AS_OF: "nothing after as_of exists",
    "not_success": "only successful trades can be rated (RULES.md 1)",
    "not_escrow": "only escrow (支付宝) payments can be rated (RULES.md 1)",
    "refunded": "a refunded line cannot be rated (RULES.md 1)",
    "outside_rating_window": "the rating window after success (RULES.md 1)",
    ORPHAN: "a rating needs its trade line (RULES.md 1)",
    "deleted": "revisions: a deleted rating (RULES.md 2)",
    "low_amount": "tiny trades, 1 yuan or less (RULES.md 2)",
    "same_item_14d": "same item within 14 days (14天同商品, RULES.md 2)",
    "monthly_cap": "monthly cap of the points per buyer (每月6分, RULES.md 2)",
    "dsr_monthly_cap": "first three DSR-scored orders a month (每月前三次, RULES.md 3)",
    OUTSIDE_DSR_WINDOW: "the DSR window (RULES.md 3)",
}
