"""Command-line options every command that loads files declares alike (one help text each)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .status import Fmt

Platform = Annotated[str, typer.Option(help="auto, canonical, taobao, douyin, jd, pdd.")]
Encoding = Annotated[str | None, typer.Option(help="Text encoding of CSV files.")]
Sheet = Annotated[str | None, typer.Option(help="Excel sheet name or index.")]
Rejects = Annotated[Path | None, typer.Option(help="Write every rejected row to this CSV.")]
Strict = Annotated[bool, typer.Option(help="Any rejected row is an error (exit 2).")]
Debug = Annotated[bool, typer.Option(help="Show tracebacks.")]
Ratings = Annotated[Path | None, typer.Option(help="A second file of buyer ratings.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="The moment described (ISO 8601; "
                                          "default: now).")]
Profile = Annotated[str, typer.Option(help="Rule profile: a built-in name or a TOML file.")]
Shop = Annotated[str | None, typer.Option(help="Only this shop_id.")]
AfterSales = Annotated[list[Path] | None, typer.Option(
    "--after-sales", help="After-sales exports (Taobao 退款管理, Douyin 售后单, or canonical "
    "columns): files, directories or globs; repeat for more. They give the experience "
    "score's refund, return and after-sale metrics.")]
Chats = Annotated[list[Path] | None, typer.Option(
    "--chats", help="Chat record exports (千牛 聊天记录, 飞鸽 会话记录, or canonical columns), "
    "one row per message; repeat for more. They give the reply and satisfaction metrics.")]
TableOrJson = Annotated[Fmt, typer.Option("--format", help="table or json.")]


class Format(StrEnum):
    """The output of audit and validate."""

    table = "table"
    json = "json"
    markdown = "markdown"
