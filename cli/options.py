"""Command-line options every command that loads files declares alike (one help text each),
each with its value named in words (FILE, NAME, DATETIME), never a type tag."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .status import Fmt

Platform = Annotated[str, typer.Option(help="Export format: auto (from the headers), canonical, "
                                       "taobao, douyin, jd, pdd.", metavar="NAME")]
Encoding = Annotated[str | None, typer.Option(help="Text encoding of CSV files (default: "
                                              "detected, UTF-8 or GB18030).",
                                              metavar="ENCODING")]
Sheet = Annotated[str | None, typer.Option(help="Excel sheet name or index (default: the "
                                           "first).", metavar="SHEET")]
Rejects = Annotated[Path | None, typer.Option(help="Write every rejected row (file, row, column, "
                                              "value, reason) to this CSV.", metavar="FILE")]
Strict = Annotated[bool, typer.Option("--strict", help="Any rejected row is an error (exit 2).")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
Ratings = Annotated[Path | None, typer.Option(help="A second file of buyer ratings, joined on "
                                              "order_id + line_id.", metavar="FILE")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="The moment described (ISO 8601; "
                                          "default: now).", metavar="DATETIME")]
Profile = Annotated[str, typer.Option(help="Rule profile: a built-in name or a TOML file.",
                                      metavar="NAME|FILE")]
Shop = Annotated[str | None, typer.Option(help="Only this shop_id.", metavar="ID")]
TableOrJson = Annotated[Fmt, typer.Option("--format", help="table or json.",
                                          metavar="table|json")]
Lang = Annotated[str | None, typer.Option(help="Labels in zh (Chinese, the back office's terms) "
                                          "or en; default from LC_ALL, LC_MESSAGES or LANG (zh "
                                          "when it starts with zh).", metavar="zh|en")]
MaxLeftOut = Annotated[float | None, typer.Option(
    "--max-left-out", metavar="SHARE",
    help="The share of ratings that may be left out because their line cannot be told (an "
    "order of several lines, a rating without line or item id); more is exit 2 (default: the "
    "profile's checks.max_ambiguous_share, 0.05).")]
Quiet = Annotated[bool, typer.Option("--quiet", help="No progress display on stderr for big "
                                     "inputs.")]
AfterSales = Annotated[list[Path] | None, typer.Option(
    "--after-sales", help="After-sales exports (Taobao 退款管理, Douyin 售后单, or canonical "
    "columns): files, directories or globs; repeat for more. They give the experience "
    "score's refund, return and after-sale metrics.", metavar="FILE")]
Chats = Annotated[list[Path] | None, typer.Option(
    "--chats", help="Chat record exports (千牛 聊天记录, 飞鸽 会话记录, or canonical columns), "
    "one row per message; repeat for more. They give the reply and satisfaction metrics.",
    metavar="FILE")]


class Format(StrEnum):
    """The output of audit and validate."""

    table = "table"
    json = "json"
    markdown = "markdown"
    digest = "digest"
Memory = Annotated[float | None, typer.Option(
    "--memory", metavar="GIB",
    help="The memory the audit may use, in GiB (default: an eighth of the machine's, at "
    "most 1.5, at least 0.5). A bigger input (Parquet or CSV) is audited in partitions "
    "by shop and buyer, one at a time: the same result, in bounded memory.")]
Partitions = Annotated[int | None, typer.Option(
    "--partitions", metavar="N",
    help="Audit in exactly N partitions (1 to 4096) whatever the memory budget: the "
    "result is the same for every N.")]
