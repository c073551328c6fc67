"""``python -m loglens_loggen --size 256MiB --out FILE [--seed N] [--kind mixed] [--gzip] [--plant all|NAME,...]``."""

from __future__ import annotations

import argparse

from . import KINDS, PLANTS, parse_size, write_log


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m loglens_loggen", description="Generate a realistic log file.")
    ap.add_argument("--size", required=True, help="approximate size, e.g. 256MiB, 1GiB")
    ap.add_argument("--out", required=True, help="output file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kind", choices=KINDS, default="mixed")
    ap.add_argument("--gzip", action="store_true", help="gzip the output")
    ap.add_argument(
        "--plant",
        default="",
        metavar="all|NAME,...",
        help=f"planted changes against a file made without them: all, or some of {', '.join(PLANTS)}",
    )
    args = ap.parse_args(argv)
    plants = PLANTS if args.plant == "all" else tuple(p for p in args.plant.split(",") if p)
    unknown = set(plants) - set(PLANTS)
    if unknown:
        ap.error(f"unknown planted change(s): {', '.join(sorted(unknown))}")
    lines = write_log(args.out, parse_size(args.size), args.seed, args.kind, compress=args.gzip, plants=plants)
    print(f"wrote {lines} lines to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
