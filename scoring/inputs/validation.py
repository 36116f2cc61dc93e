"""The validation report: what each input file was read as, and what was rejected and why."""

from __future__ import annotations

import pandas as pd

from shopscore.scoring.inputs.dataset import Dataset


def validation_report(data: Dataset, examples: int = 3) -> dict:
    """Per file: platform, encoding, role, header mapping, rows read/used/rejected, and a few
    example rows per rejection reason."""
    files = []
    for account in data.files:
        mine = data.rejects.loc[data.rejects["file"] == account.path]
        by_reason = {}
        for reason, group in mine.groupby("reason", sort=True):
            values = group["value"].dropna().astype(str).value_counts().head(10)
            by_reason[str(reason)] = {
                "count": int(len(group)),
                # the distinct bad values (an unknown status word, say) with how often each came
                "values": {str(k): int(v) for k, v in values.items()},
                "examples": [{"row": int(r["row"]) if r["row"] == r["row"] else None,
                              "column": None if pd.isna(r["column"]) else r["column"],
                              "value": None if pd.isna(r["value"]) else str(r["value"])}
                             for _, r in group.head(examples).iterrows()],
            }
        entry = account.to_dict()
        entry.update({"encoding": account.encoding, "headers": dict(account.headers),
                      "rejected": by_reason})
        files.append(entry)
    return {"rows_read": data.rows_read, "rows_rejected": data.rows_rejected,
            "rows_used": data.rows_read - data.rows_rejected,
            "rejected_by_reason": data.rejected_by_reason, "files": files}
