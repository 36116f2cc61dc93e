"""A hand-written DuckDB SQL version of the credit rules (RULES.md section 2), as a peer to time
`shopscore audit` against on the same Parquet file.

    pip install duckdb
    python bench/duckdb_peer.py bench/data/1m/sample_shop.parquet --as-of "2026-11-22 00:00:00"

Reads a Parquet file of canonical columns as the sample generator writes them (text columns,
`true`/`false` flags, no rejected rows) and prints, as JSON on stdout, each shop's credit
score, counted positives / neutrals / negatives, default positives and positive rate, and the
seconds the query took. It is a benchmark peer, not part of shopscore: it does not validate
input, and it computes credit only (no DSR, no periods, no exclusion counts).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

SQL = """
-- Typed lines.
CREATE TEMP TABLE lines AS
SELECT shop_id, order_id, coalesce(line_id, order_id || '-' || item_id) AS line_id,
       buyer_id, item_id,
       CAST(created_at AS TIMESTAMP) AS created,
       CAST(completed_at AS TIMESTAMP) AS completed,
       CAST(rated_at AS TIMESTAMP) AS rated,
       CAST(revised_at AS TIMESTAMP) AS revised,
       CAST(seller_rated_at AS TIMESTAMP) AS seller_rated,
       CASE credit WHEN 'positive' THEN 1 WHEN 'neutral' THEN 0 WHEN 'negative' THEN -1 END AS pts0,
       revised_to, seller_credit,
       status = 'success' AS success,
       coalesce(CAST(escrow AS VARCHAR), 'true') = 'true' AS escrow,  -- text or boolean
       coalesce(CAST(refunded AS VARCHAR), 'false') = 'true' AS refunded,
       CAST(amount AS DOUBLE) AS amount
FROM read_parquet($path);

-- Section 1 (after as_of first), revisions, default positives, tiny trades.
CREATE TEMP TABLE alive AS
WITH judged AS (
  SELECT *,
    CASE
      WHEN pts0 IS NULL THEN NULL
      WHEN coalesce(rated > $as_of, false) OR created > $as_of THEN 'after_as_of'
      WHEN NOT success THEN 'not_success'
      WHEN NOT escrow THEN 'not_escrow'
      WHEN refunded THEN 'refunded'
      WHEN NOT coalesce(completed <= rated AND rated <= completed + INTERVAL (15) DAY, false)
        THEN 'outside_rating_window'
      ELSE 'ok' END AS fate
  FROM lines
), revised AS (
  SELECT *,
    fate = 'ok' AND revised IS NOT NULL AND revised <= $as_of AND pts0 <> 1
      AND revised >= rated AND revised <= rated + INTERVAL (30) DAY AS valid_revision,
    -- a buyer rating given after as_of does not exist yet: the line is unrated then
    (pts0 IS NULL OR coalesce(rated > $as_of, false)) AND success AND escrow AND NOT refunded
      AND seller_credit = 'positive'
      AND seller_rated + INTERVAL (15) DAY <= $as_of AND created <= $as_of AS is_default
  FROM judged
)
SELECT shop_id, order_id, line_id, buyer_id, item_id, created, is_default,
       CASE WHEN is_default OR (valid_revision AND revised_to = 'positive') THEN 1
            ELSE pts0 END AS pts
FROM revised
WHERE ((fate = 'ok' AND NOT (valid_revision AND coalesce(revised_to = 'deleted', false)))
       OR is_default)
  AND NOT coalesce(amount <= 1.0 + 1e-9, false);

-- Same (shop, buyer, item) within anchored 14-day windows: the first of each kind counts.
-- Only groups of two or more ratings need the sequential walk.
CREATE TEMP TABLE ranked AS
SELECT *, row_number() OVER w AS rn, count(*) OVER (PARTITION BY shop_id, buyer_id, item_id) AS n
FROM alive
WINDOW w AS (PARTITION BY shop_id, buyer_id, item_id ORDER BY created, order_id, line_id);

CREATE TEMP TABLE walked AS
WITH RECURSIVE multi AS (SELECT * FROM ranked WHERE n > 1),
win(shop_id, buyer_id, item_id, rn, anchor, win) AS (
  SELECT shop_id, buyer_id, item_id, rn, created, 0 FROM multi WHERE rn = 1
  UNION ALL
  SELECT m.shop_id, m.buyer_id, m.item_id, m.rn,
         CASE WHEN m.created < w.anchor + INTERVAL (14) DAY THEN w.anchor ELSE m.created END,
         CASE WHEN m.created < w.anchor + INTERVAL (14) DAY THEN w.win ELSE w.win + 1 END
  FROM win w JOIN multi m
    ON m.shop_id = w.shop_id AND m.buyer_id = w.buyer_id AND m.item_id = w.item_id
   AND m.rn = w.rn + 1
)
SELECT shop_id, buyer_id, item_id, rn, win FROM win;

CREATE TEMP TABLE deduped AS
SELECT r.* FROM ranked r
LEFT JOIN walked w USING (shop_id, buyer_id, item_id, rn)
QUALIFY row_number() OVER (PARTITION BY r.shop_id, r.buyer_id, r.item_id, coalesce(w.win, 0),
                           r.pts ORDER BY r.rn) = 1;

-- Monthly cap: per (shop, buyer, month of creation) a running total kept within -6..6.
-- A group with at most 6 scoring ratings can never reach the cap.
CREATE TEMP TABLE monthly AS
SELECT *, row_number() OVER w AS mrn,
       count(*) FILTER (WHERE pts <> 0) OVER (PARTITION BY shop_id, buyer_id, month) AS scoring
FROM (SELECT *, date_trunc('month', created) AS month FROM deduped)
WINDOW w AS (PARTITION BY shop_id, buyer_id, month ORDER BY created, order_id, line_id);

CREATE TEMP TABLE capped AS
WITH RECURSIVE multi AS (SELECT * FROM monthly WHERE scoring > 6),
run(shop_id, buyer_id, month, mrn, total, keep) AS (
  SELECT shop_id, buyer_id, month, mrn, pts, true FROM multi WHERE mrn = 1
  UNION ALL
  SELECT m.shop_id, m.buyer_id, m.month, m.mrn,
         CASE WHEN abs(r.total + m.pts) <= 6 THEN r.total + m.pts ELSE r.total END,
         abs(r.total + m.pts) <= 6
  FROM run r JOIN multi m
    ON m.shop_id = r.shop_id AND m.buyer_id = r.buyer_id AND m.month = r.month
   AND m.mrn = r.mrn + 1
)
SELECT shop_id, buyer_id, month, mrn FROM run WHERE NOT keep;

SELECT m.shop_id,
       sum(m.pts) AS score,
       count(*) FILTER (WHERE m.pts = 1) AS positive,
       count(*) FILTER (WHERE m.pts = 0) AS neutral,
       count(*) FILTER (WHERE m.pts = -1) AS negative,
       count(*) FILTER (WHERE m.is_default) AS default_positive
FROM monthly m
ANTI JOIN capped c USING (shop_id, buyer_id, month, mrn)
GROUP BY m.shop_id
ORDER BY m.shop_id;
"""


def run(path: str, as_of: str, threads: int | None = None) -> dict:
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    start = time.perf_counter()
    statements = [s.strip() for s in SQL.split(";") if s.strip()]
    rows = None
    for statement in statements:
        params = {k: v for k, v in (("path", path), ("as_of", as_of)) if f"${k}" in statement}
        cur = con.execute(statement, params) if params else con.execute(statement)
        rows = cur.fetchall() if statement.lstrip().startswith("SELECT") else rows
    seconds = time.perf_counter() - start
    shops = []
    for shop_id, score, pos, neu, neg, default in rows:
        rated = pos + neu + neg
        shops.append({"shop_id": shop_id, "score": int(score), "positive": pos, "neutral": neu,
                      "negative": neg, "default_positive": default,
                      "positive_rate": pos / rated if rated else None})
    return {"engine": f"duckdb {duckdb.__version__}", "seconds": seconds, "shops": shops}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parquet", help="a Parquet file of canonical trade lines")
    parser.add_argument("--as-of", default="2026-11-22 00:00:00",
                        help="local wall-clock time (Asia/Shanghai), no offset")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    args = parser.parse_args(argv)
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("duckdb_peer: duckdb is not installed (pip install duckdb)", file=sys.stderr)
        return 2
    json.dump(run(args.parquet, args.as_of, args.threads), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
