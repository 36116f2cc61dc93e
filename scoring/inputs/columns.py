"""The canonical input columns of CONTRACT.md and the vocabularies of their values."""

ID_COLUMNS = ("shop_id", "order_id", "line_id", "buyer_id", "item_id")
TIME_COLUMNS = ("created_at", "completed_at", "rated_at", "revised_at", "seller_rated_at",
                "dsr_rated_at")
BOOL_COLUMNS = ("escrow", "refunded")
DSR_COLUMNS = ("dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics")
# The item's title: optional, it lets a rating without a line id find its line (join.py).
ITEM_TITLE = "item_title"
CANONICAL = (ID_COLUMNS + TIME_COLUMNS + BOOL_COLUMNS + DSR_COLUMNS
             + ("status", "amount", "credit", "revised_to", "seller_credit", ITEM_TITLE))

# Required in a trades file (CONTRACT.md, columns marked *).
REQUIRED_TRADES = ("order_id", "buyer_id", "item_id", "created_at", "status")
# Required in a separate ratings file: it joins on order_id (+ line_id).
REQUIRED_RATINGS = ("order_id",)
# The columns a ratings file contributes to a trade line.
RATING_COLUMNS = ("rated_at", "credit", "revised_at", "revised_to", "seller_rated_at",
                  "seller_credit", "dsr_rated_at") + DSR_COLUMNS

STATUSES = ("success", "closed", "open")
CREDITS = {"positive": 1, "neutral": 0, "negative": -1}
REVISIONS = ("positive", "deleted")
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
DEFAULT_SHOP = "default"
