"""Help in words: plain Click help (no Rich import, no panels that cut examples), arguments
named as the usage line names them (TRADES...), never a type tag (<list[Path]>)."""

from __future__ import annotations

from typer.core import TyperCommand

# Every command and the program itself: -h as well as --help.
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _is_argument(param) -> bool:
    return param.param_type_name == "argument"


def argument_name(param) -> str:
    """TRADES..., [TRADES]... for an optional one, PATH for a single one."""
    name = (param.metavar or param.name).upper()
    if not param.required:
        name = f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


class Command(TyperCommand):
    """A command whose help names each argument in words."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [argument_name(p) for p in self.get_params(ctx) if _is_argument(p)]

    def format_options(self, ctx, formatter) -> None:
        args, opts = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if _is_argument(param):
                args.append((argument_name(param), record[1]))
            else:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
