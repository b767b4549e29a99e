#!/usr/bin/env python3
"""Draws the benchmark report's charts (SVG) from the harnesses' JSON results.

    spool-bench/plots.py [--compare FILE] [--wire FILE] [--out DIR]

--compare  the comparison harness's results (compare.sh writes spool-bench/target/compare-results.json)
--wire     the wire benchmark's results (wire-bench.sh writes spool-bench/target/wire-bench/results-*.json)
--out      where the SVG files go (default docs/img)
--jmh      JMH JSON results (-rf json) of the disk buffer benchmarks (dev.spool.bench.buffer), for
           their targets in the table; may be given more than once
--table    also print the targets as one Markdown table (target, Spool, peer, ratio, goal, the
           ceiling this machine allows where the run measured one, met)

Only the Python standard library is used, so the charts can be redrawn on any machine that ran the
benchmarks. Each chart is one SVG file; a chart whose data is missing from the input is skipped.
Rates are drawn on a logarithmic axis: the engines differ by up to two orders of magnitude.
"""
import argparse
import json
import math
import os
import sys
from xml.sax.saxutils import escape

SYSTEMS = [("spool", "Spool"), ("kafka", "Kafka UnifiedLog"), ("chronicle", "Chronicle Queue")]
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
WIDTH, HEIGHT = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 70


def nice_log_ticks(low, high):
    """Powers of ten and their 2x and 5x between low and high."""
    ticks = []
    exponent = math.floor(math.log10(low))
    while 10 ** exponent <= high * 1.0001:
        for step in (1, 2, 5):
            value = step * 10 ** exponent
            if low <= value <= high * 1.0001:
                ticks.append(value)
        exponent += 1
    return ticks


def nice_linear_ticks(high, count=5):
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    return [step * i for i in range(0, int(high / step) + 2)]


def label(value):
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:g}"
    return f"{value:.2g}"


class Axis:
    """Maps values to the plot's vertical pixels, logarithmic or linear from zero."""

    def __init__(self, values, log):
        positive = [v for v in values if v and v > 0]
        self.log = log
        if log:
            self.low = 10 ** math.floor(math.log10(min(positive)))
            self.high = 10 ** math.ceil(math.log10(max(positive)))
            self.ticks = nice_log_ticks(self.low, self.high)
        else:
            self.ticks = nice_linear_ticks(max(positive))
            self.low, self.high = 0, self.ticks[-1]

    def y(self, value):
        span = HEIGHT - TOP - BOTTOM
        if self.log:
            fraction = (math.log10(value) - math.log10(self.low)) / (math.log10(self.high) - math.log10(self.low))
        else:
            fraction = (value - self.low) / (self.high - self.low)
        return HEIGHT - BOTTOM - fraction * span


def svg_frame(title, ylabel, axis):
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="15">{escape(title)}</text>',
             f'<text transform="translate(16,{(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
             f'text-anchor="middle">{escape(ylabel)}</text>']
    for tick in axis.ticks:
        y = axis.y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label(tick)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="black"/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="black"/>')
    return parts


def legend(parts, names):
    x = LEFT + 10
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{HEIGHT - 22}" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="{HEIGHT - 12}">{escape(name)}</text>')
        x += 24 + 7 * len(name)


def bar_chart(title, ylabel, groups, series, values, log=True):
    """groups: x labels; series: names; values[g][s]: a number or None (drawn as missing)."""
    present = [v for row in values for v in row if v]
    if not present:
        return None
    axis = Axis(present, log)
    parts = svg_frame(title, ylabel, axis)
    slot = (WIDTH - LEFT - RIGHT) / len(groups)
    bar = slot * 0.8 / len(series)
    for g, group in enumerate(groups):
        x0 = LEFT + g * slot + slot * 0.1
        for s in range(len(series)):
            value = values[g][s]
            if not value:
                continue
            top = axis.y(max(value, axis.low))
            x = x0 + s * bar
            parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar - 2:.1f}" '
                         f'height="{HEIGHT - BOTTOM - top:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f'<title>{escape(series[s])}, {escape(group)}: {label(value)}</title></rect>')
        parts.append(f'<text x="{LEFT + (g + 0.5) * slot:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{escape(group)}</text>')
    legend(parts, series)
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(title, ylabel, xs, series, values, log=True, xlabel=""):
    """xs: numeric x values (drawn evenly spaced); values[s][i]: a number or None."""
    present = [v for row in values for v in row if v]
    if not present:
        return None
    axis = Axis(present, log)
    parts = svg_frame(title, ylabel, axis)
    step = (WIDTH - LEFT - RIGHT) / max(1, len(xs))
    for i, x in enumerate(xs):
        parts.append(f'<text x="{LEFT + (i + 0.5) * step:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                     f'text-anchor="middle">{escape(str(x))}</text>')
    if xlabel:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - BOTTOM + 34}" text-anchor="middle">{escape(xlabel)}</text>')
    for s, name in enumerate(series):
        points = [(LEFT + (i + 0.5) * step, axis.y(v)) for i, v in enumerate(values[s]) if v]
        colour = COLOURS[s % len(COLOURS)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), v in zip(points, [v for v in values[s] if v]):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                         f'<title>{escape(name)}: {label(v)}</title></circle>')
    legend(parts, series)
    parts.append("</svg>")
    return "\n".join(parts)


def workload_label(cell):
    size = "1 KiB" if cell["valueBytes"] == 1024 else f'{cell["valueBytes"]} B'
    return f'{size} × {cell["recordsPerBatch"]}'


def rate_chart(results, kind, durability, title):
    cells = [c for c in results.get(kind, []) if c.get("durability", "none") == durability]
    workloads = []
    for c in cells:
        key = (c["valueBytes"], c["recordsPerBatch"])
        if key not in workloads:
            workloads.append(key)
    workloads.sort()
    systems = [(key, name) for key, name in SYSTEMS if any(c["system"] == key for c in cells)]
    values = []
    for size, batch in workloads:
        row = []
        for key, _ in systems:
            found = [c for c in cells if (c["valueBytes"], c["recordsPerBatch"], c["system"]) == (size, batch, key)]
            row.append(found[0]["recordsPerSecond"]["median"] / 1e6 if found else None)
        values.append(row)
    groups = [workload_label({"valueBytes": s, "recordsPerBatch": b}) for s, b in workloads]
    return bar_chart(title, "million records/s (log scale)", groups, [n for _, n in systems], values)


def writers_charts(results):
    rows = results.get("writers", [])
    if not rows:
        return {}
    counts = [r["writers"] for r in rows]
    rates = [[r["recordsPerSecond"] for r in rows]]
    charts = {"writers-throughput.svg": line_chart("Strict (fsync-acknowledged) writers: records/s",
                                                   "records/s (log scale)", counts, ["Spool"], rates,
                                                   xlabel="concurrent writers")}
    p99 = [r["ackLatencyMs"]["p99"] for r in rows]
    series, values = ["Spool ack p99"], [p99]
    fsync = results.get("raw", {}).get("append4KiBFdatasync", {}).get("latencyMs", {}).get("p99")
    if fsync:
        series.append("fdatasync p99 × 3 (target)")
        values.append([fsync * 3] * len(rows))
    charts["writers-latency.svg"] = line_chart("Strict writers: acknowledgement latency p99", "ms (log scale)",
                                               counts, series, values, xlabel="concurrent writers")
    return charts


def wire_charts(wire):
    medians = wire.get("medians", {})
    if not medians:
        return {}

    def of(broker, pair, metric):
        for row in medians.values():
            if row["broker"] == broker and row["pair"] == pair:
                return row.get(metric)
        return None

    def chart(cells):
        groups = [label for label, _, _ in cells]
        values = [[of(broker, pair, metric) for broker in ("spool", "kafka")] for _, pair, metric in cells]
        return groups, values

    groups, values = chart([("produce, durable", "durable", "produceRecordsPerSecond"),
                            ("produce, page cache", "page cache", "produceRecordsPerSecond"),
                            ("consume, page cache", "page cache", "consumeRecordsPerSecond"),
                            ("consume by librdkafka, page cache", "page cache", "consumeLibrdkafkaRecordsPerSecond"),
                            ("consume, durable", "durable", "consumeRecordsPerSecond")])
    values = [[v / 1e3 if v else None for v in row] for row in values]
    charts = {"server-throughput.svg": bar_chart("Kafka wire protocol: Spool server vs Kafka broker, throughput",
                                                 "thousand records/s (log scale)", groups, ["Spool", "Kafka"], values)}
    groups, values = chart([("paced p99, durable", "durable", "pacedP99Ms"),
                            ("paced p99, page cache", "page cache", "pacedP99Ms"),
                            ("saturated p99, durable", "durable", "saturatedP99Ms"),
                            ("saturated p99, page cache", "page cache", "saturatedP99Ms")])
    charts["server-latency.svg"] = bar_chart("Kafka wire protocol: produce latency p99 (send to acknowledgement)",
                                             "ms (log scale)", groups, ["Spool", "Kafka"], values)
    return charts


# The disk buffer's targets from its JMH benchmarks: (what, measure, per operation, Spool's method,
# the peer's method, the peer's name, durability). One operation moves 100 items (DiskBufferBenchmark),
# one Arrow batch (arrowBuffer, filePerBatch) or four (the write* and read* methods).
BUFFER_TARGETS = [
    ("disk buffer: Arrow batch put, poll, ack", "batches/s", 1, "ArrowBufferBenchmark.arrowBuffer",
     "ArrowBufferBenchmark.filePerBatch", "file per batch"),
    ("disk buffer: Arrow batch write", "batches/s", 4, "ArrowBufferBenchmark.writeArrowBuffer",
     "ArrowBufferBenchmark.writeFilePerBatch", "file per batch"),
    ("disk buffer: Arrow batch read", "batches/s", 4, "ArrowBufferBenchmark.readArrowBuffer",
     "ArrowBufferBenchmark.readFilePerBatch", "file per batch"),
    ("disk buffer: 1 KiB items, one at a time", "items/s", 100, "DiskBufferBenchmark.diskBuffer",
     "DiskBufferBenchmark.chronicleQueue", "Chronicle Queue"),
    ("disk buffer: 1 KiB items, 100 in flight", "items/s", 100, "DiskBufferBenchmark.diskBufferAsync",
     "DiskBufferBenchmark.chronicleQueueRun", "Chronicle Queue"),
]


def jmh_targets(runs):
    """The disk buffer's targets (at least the peer's rate) from JMH result lists."""
    scores = {}
    for run in runs:
        for result in run:
            method = ".".join(result["benchmark"].split(".")[-2:])
            durability = result.get("params", {}).get("durability", "")
            scores[(method, durability)] = result["primaryMetric"]["score"]
    targets = []
    for what, measure, per_op, ours, theirs, peer in BUFFER_TARGETS:
        for durability in ("relaxed", "strict"):
            spool, rival = scores.get((ours, durability)), scores.get((theirs, durability))
            if not spool or not rival:
                continue
            targets.append({"what": f"{what} ({durability})", "measure": measure, "spool": spool * per_op,
                            "peer": peer, "peerValue": rival * per_op, "ratio": spool / rival, "percent": False,
                            "goal": "≥ 1.00×", "met": spool >= rival})
    return {"targets": targets}


def figure(value, measure):
    if measure == "records/s":
        return f"{value / 1e6:.3g} M/s" if value >= 1e5 else f"{value:,.0f}/s"
    if measure == "ms":
        return f"{value:.3g} ms"
    if measure in ("items/s", "batches/s"):
        return f"{value:,.0f}/s"
    return f"{value:,.0f} {measure}"


def as_ratio(value, percent):
    return f"{value * 100:.0f}%" if percent else f"{value:.2f}×"


def targets_table(*results):
    """The targets of every harness given, as Markdown rows."""
    lines = ["| target | Spool | peer | ratio | goal | ceiling here | |", "|---|---:|---|---:|---:|---:|---|"]
    for result in results:
        for t in result.get("targets", []):
            ratio = as_ratio(t["ratio"], t["percent"])
            ceiling = as_ratio(t["ceiling"], t["percent"]) if t.get("ceiling") is not None else ""
            lines.append(f'| {t["what"]} | {figure(t["spool"], t["measure"])} | {t["peer"]}: '
                         f'{figure(t["peerValue"], t["measure"])} | {ratio} | {t["goal"]} | {ceiling} | '
                         f'{"met" if t["met"] else "**missed**"} |')
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare")
    parser.add_argument("--wire")
    parser.add_argument("--out", default="docs/img")
    parser.add_argument("--jmh", action="append", default=[])
    parser.add_argument("--table", action="store_true")
    args = parser.parse_args(argv)
    if not args.compare and not args.wire and not args.jmh:
        parser.error("give --compare FILE, --wire FILE, --jmh FILE or several")
    charts = {}
    loaded = []
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            results = json.load(f)
        loaded.append(results)
        for kind in ("append", "read"):
            for durability, mode in (("none", "page cache"), ("fsync", "fsync per batch")):
                if kind == "read" and durability == "fsync":
                    continue
                title = f"{kind.capitalize()} rate by record size × records per batch ({mode})"
                charts[f"{kind}-{durability}.svg"] = rate_chart(results, kind, durability, title)
        charts.update(writers_charts(results))
    if args.wire:
        with open(args.wire, encoding="utf-8") as f:
            wire = json.load(f)
        loaded.append(wire)
        charts.update(wire_charts(wire))
    if args.jmh:
        runs = []
        for name in args.jmh:
            with open(name, encoding="utf-8") as f:
                runs.append(json.load(f))
        loaded.append(jmh_targets(runs))
    os.makedirs(args.out, exist_ok=True)
    for name, svg in charts.items():
        if svg is None:
            continue
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(svg + "\n")
        print(os.path.join(args.out, name), file=sys.stderr)
    if args.table:
        print(targets_table(*loaded))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
