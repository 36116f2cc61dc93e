"""After-sale cases and chat messages given their shop: the shop a row names, else the shop of
its order (after-sales), else the one shop of the trade lines. Every row is accounted for:
read = used + rejected, per file."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.coded import distinct
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs.dataset import REJECT_COLUMNS, Dataset, FileAccount, expand_inputs
from shopscore.scoring.inputs.join import in_shared, reject, shared_orders
from shopscore.scoring.inputs.service_tables import ServiceTable, read_service_files

NO_SHOP = "(no shop)"  # the shop of a case whose shop cannot be told (several shops, no order)


def read_service_tables(tz: str, after_sales, chats, encoding=None, sheet=None) -> dict:
    """Every after-sales and chats file given (None: that kind not given), read and typed:
    kind -> ServiceTable. Their files are numbered from 0 here (with_service_tables numbers
    them after the trade files)."""
    tables = {}
    for kind, given in (("after_sales", after_sales), ("chats", chats)):
        if given is None:
            continue
        paths = expand_inputs(given if isinstance(given, (list, tuple)) else [given])
        tables[kind] = read_service_files(kind, paths, tz, encoding, sheet)
    return tables


def with_service_tables(data: Dataset, tables: dict, shops: list | None = None) -> Dataset:
    """The Dataset with its after-sales and chats tables (each None when not given), every
    row given its shop and accounted for per file. `shops`: every shop of the audit when the
    data is one partition of it; None: the data's."""
    if not tables:
        return data
    shops = sorted(distinct(data.lines["shop_id"])) if shops is None else shops
    number = len(data.files)
    frames, files, rejects, columns = {}, list(data.files), [data.rejects], {}
    for kind, table in tables.items():
        for found in table.rejects:  # numbered after the files before them
            found["fileno"] += number
        numbers = {f[0]: number + k for k, f in enumerate(table.files)}
        number += len(table.files)
        extra = []
        frame = _with_shops(table, data.lines, shops, extra, numbers, data.shared_orders)
        if kind == "after_sales":
            frame = _unique_cases(frame, numbers, extra)
        frames[kind], columns[kind] = frame, table.columns
        listed = [r for r in table.rejects + extra if len(r)]
        found = pd.concat(listed, ignore_index=True) if listed else \
            pd.DataFrame(columns=REJECT_COLUMNS)
        for path, platform, encoding_used, read, headers in table.files:
            mine = found.loc[found["file"] == path, "reason"]
            files.append(FileAccount(path, kind, read, int(len(mine)),
                                     {str(k): int(v) for k, v in Counter(mine).items()},
                                     platform, encoding_used, headers))
        rejects.append(found[REJECT_COLUMNS] if len(found) else found)
    kept = [r for r in rejects if len(r)]
    merged = pd.concat(kept, ignore_index=True) if kept else data.rejects
    return replace(data, files=files, rejects=merged[REJECT_COLUMNS].reset_index(drop=True),
                   after_sales=frames.get("after_sales"), chats=frames.get("chats"),
                   service_columns=columns)


def _with_shops(table: ServiceTable, lines: pd.DataFrame, shops: list, rejects: list,
                numbers: dict, shared=None):
    """Each row's shop: named in the row; else its order's (after-sales, when the order id
    belongs to one shop of the trades); else the trades' only shop. A case of an order id
    the trade rows of several shops hold (`shared`, join.shared_orders; None: these lines')
    cannot be told apart: rejected (`ambiguous_shop`). Chat messages of no shop, where the
    trades hold several, cannot be told apart either: an error naming the file."""
    frame = table.frame
    if "shop_id" in frame:
        return frame
    if len(shops) == 1 or not shops:
        only = shops[0] if shops else NO_SHOP
        frame["shop_id"] = pd.Categorical.from_codes(np.zeros(len(frame), np.int8), [only])
        return frame
    if table.kind == "chats":
        path = table.files[0][0] if table.files else "--chats"
        raise InputFileError(path, f"names no shop (shop_id, 店铺名称), and the trade files hold "
                             f"{len(shops)} shops: give each shop's chat records with its shop, "
                             "or audit one shop at a time (--shop)")
    owner = pd.DataFrame({"order_id": lines["order_id"].astype(object),
                          "shop_id": lines["shop_id"].astype(object)}).drop_duplicates()
    single = owner.drop_duplicates("order_id", keep=False).set_index("order_id")["shop_id"]
    held = in_shared(frame["order_id"], shared if shared is not None else shared_orders(lines))
    frame = reject(frame.assign(_fileno=frame["_file"].astype(object).map(numbers).to_numpy()),
                   held, "shop_id", "ambiguous_shop", rejects).drop(columns=["_fileno"])
    found = frame["order_id"].astype(object).map(single)
    frame["shop_id"] = ids.encode(found.fillna(NO_SHOP).astype(object))[0]
    return frame


def _unique_cases(frame: pd.DataFrame, numbers: dict, rejects: list) -> pd.DataFrame:
    """A case (shop, aftersale_id) given twice is kept once: its later rows are rejected
    (`numbers`: each file's number)."""
    frame = frame.assign(_fileno=frame["_file"].astype(object).map(numbers).to_numpy())
    dup = frame.duplicated(["shop_id", "aftersale_id"], keep="first").to_numpy()
    kept = reject(frame, dup, "aftersale_id", "duplicate", rejects)
    return kept.drop(columns=["_fileno"])
