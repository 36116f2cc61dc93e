"""The canonical input columns of CONTRACT.md and the vocabularies of their values."""

ID_COLUMNS = ("shop_id", "order_id", "line_id", "buyer_id", "item_id")
TIME_COLUMNS = ("created_at", "completed_at", "rated_at", "revised_at", "seller_rated_at",
                "dsr_rated_at")
# The trade line's times the service metrics read (RULES.md section 6): kept only when given.
SERVICE_TIME_COLUMNS = ("paid_at", "collected_at", "signed_at", "delivery_due_at")
BOOL_COLUMNS = ("escrow", "refunded")
DSR_COLUMNS = ("dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics")
# The shop's name as the export gives it (店铺名称): shown beside the id, never used to score.
NAME_COLUMNS = ("shop_name",)
# The item's title: optional, it lets a rating without a line id find its line (join.py).
ITEM_TITLE = "item_title"
CANONICAL = (ID_COLUMNS + TIME_COLUMNS + SERVICE_TIME_COLUMNS + BOOL_COLUMNS + DSR_COLUMNS
             + ("status", "amount", "credit", "revised_to", "seller_credit", ITEM_TITLE)
             + NAME_COLUMNS)

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

# After-sales (--after-sales, one row per case) and chats (--chats, one row per message):
# CONTRACT.md's columns, those marked * required, and the vocabularies of their words.
AFTER_SALES = {
    "ids": ("shop_id", "aftersale_id", "order_id", "line_id"),
    "labels": (),
    "times": ("applied_at", "agreed_at", "return_received_at", "refunded_at"),
    "bools": ("escalated", "seller_liable"),
    "words": {"type": ("refund_unshipped", "refund_shipped", "return_refund", "exchange"),
              "reason": ("quality", "damaged", "logistics", "no_reason", "other"),
              "status": ("refunded", "closed", "rejected", "open")},
    "required": ("aftersale_id", "order_id", "type", "reason", "status", "applied_at"),
}
CHATS = {
    "ids": ("shop_id", "session_id"),
    "labels": ("buyer_id",),  # shown by explain, never scored: kept as text, never coded
    "times": ("sent_at",),
    "bools": (),
    "words": {"sender": ("buyer", "bot", "agent")},  # in this order on ties (RULES.md 6)
    "required": ("session_id", "sent_at", "sender"),
}
SERVICE_TABLES = {"after_sales": AFTER_SALES, "chats": CHATS}
