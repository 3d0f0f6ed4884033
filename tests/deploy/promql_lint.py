"""A small lint of PromQL expressions against the metric types a run exports: counters only
inside rate/irate/increase (a raw counter plotted is a meaningless ramp), gauges never inside them
(a rate of a gauge is noise), and every metric named must exist. Metric names are found as bare
identifiers and in {__name__=~"..."} selectors; histogram series (_bucket/_sum/_count) take their
family's type."""

import re

RATE_FUNCTIONS = {"rate", "irate", "increase"}
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
NAME_MATCH = re.compile(r'__name__\s*=~?\s*"([^"]+)"')
KEYWORDS = {"sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "le", "histogram_quantile", "clamp_min", "clamp_max",
            "delta", "deriv", "min_over_time", "max_over_time", "avg_over_time", "label_values", "abs",
            "humanizePercentage", "topk", "bottomk", "quantile", "stddev", "time", "vector", "scalar"}


def parse_types(metrics_text):
    """{family: type} from a /metrics page's # TYPE lines."""
    types = {}
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(None, 3)
            types[name] = kind.strip()
    return types


def family_of(series, types):
    if series in types:
        return series
    for suffix in ("_bucket", "_sum", "_count"):
        if series.endswith(suffix) and series[: -len(suffix)] in types:
            return series[: -len(suffix)]
    return None


def enclosing_function(expr, pos):
    """The function whose parentheses enclose position `pos`, or None."""
    depth = 0
    i = pos
    while i > 0:
        i -= 1
        if expr[i] == ")":
            depth += 1
        elif expr[i] == "(":
            if depth == 0:
                m = re.search(r"([a-zA-Z_]+)\s*$", expr[:i])
                return m.group(1) if m else ""
            depth -= 1
    return None


def strip_strings_and_braces(expr):
    """The expression with label matchers' contents blanked (positions kept)."""
    out = list(expr)
    depth = 0
    in_string = False
    for i, ch in enumerate(expr):
        if in_string:
            out[i] = " "
            if ch == '"' and expr[i - 1] != "\\":
                in_string = False
            continue
        if ch == '"':
            in_string = True
            out[i] = " "
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth > 0:
            out[i] = " "
    return "".join(out)


def lint(expr, types, series_names):
    """Problems of one expression; `series_names` are every series name the run exports."""
    problems = []
    uses = []  # (metric name, position)
    plain = strip_strings_and_braces(expr)
    for m in IDENT.finditer(plain):
        name = m.group(0)
        after = plain[m.end():].lstrip()
        if name in KEYWORDS or name.startswith("$") or after.startswith("(") and name not in series_names:
            continue
        if re.match(r"^\d", name) or not name.startswith("mimic_") and name != "up":
            continue
        uses.append((name, m.start()))
    for m in NAME_MATCH.finditer(expr):
        pattern = re.compile(m.group(1))
        matched = [s for s in series_names if pattern.fullmatch(s)]
        if not matched:
            problems.append(f'__name__=~"{m.group(1)}" matches no exported metric')
        # the selector starts at the { before this match
        start = expr.rfind("{", 0, m.start())
        uses += [(s, start) for s in matched]
    for name, pos in uses:
        if name == "up":
            continue
        family = family_of(name, types)
        if family is None:
            problems.append(f"{name} is not exported by any process")
            continue
        kind = types[family]
        inside = enclosing_function(expr, pos)
        if kind == "counter" and inside not in RATE_FUNCTIONS:
            problems.append(f"counter {name} used outside rate/increase (in {inside or 'nothing'})")
        if kind == "histogram" and name.endswith(("_bucket", "_sum", "_count")) and inside not in RATE_FUNCTIONS:
            problems.append(f"histogram series {name} used outside rate/increase")
        if kind == "gauge" and inside in RATE_FUNCTIONS:
            problems.append(f"gauge {name} inside {inside}()")
    return problems
