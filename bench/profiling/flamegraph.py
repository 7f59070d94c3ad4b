#!/usr/bin/env python3
"""Draws a flame graph (SVG) from folded stacks (fold_stacks.py's output).

  flamegraph.py --title TITLE [--subtitle TEXT] STACKS.folded > GRAPH.svg

The layout of Brendan Gregg's flamegraph.pl: one box per frame, as wide as
the share of samples under it, callers below callees, siblings in
alphabetical order (so the x axis is not time). Hovering a box shows its
name, samples and share. Colours: the thread-role roots grey, kernel frames
(ending in _[k]) yellow-green, user-space frames red to orange, by name. A static
drawing of our own, about a hundred lines, where the usual tools are not
packaged for Debian 12 or PyPI (see bench/README.md).
"""
from __future__ import annotations

import argparse
import hashlib
import html
import sys

WIDTH = 1200
MARGIN = 10
FRAME_H = 16
FONT_PX = 11
CHAR_PX = FONT_PX * 0.59  # average glyph width of the font, for truncating labels
MIN_BOX_PX = 0.3          # narrower boxes are not drawn (their samples still count below them)


class Node:
    def __init__(self, name: str):
        self.name = name
        self.count = 0
        self.children: dict[str, Node] = {}


def read_tree(lines) -> Node:
    root = Node("all")
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        n = int(count)
        node = root
        node.count += n
        for frame in stack.split(";"):
            node = node.children.setdefault(frame, Node(frame))
            node.count += n
    return root


def depth(node: Node) -> int:
    return 1 + max((depth(c) for c in node.children.values()), default=0)


def colour(name: str, level: int) -> str:
    if level <= 1:
        return "rgb(200,200,200)"
    h = int(hashlib.md5(name.encode()).hexdigest()[:4], 16) / 0xFFFF
    if name.endswith("_[k]"):
        return f"rgb({200 + int(40 * h)},{200 + int(40 * h)},{60 + int(30 * h)})"
    return f"rgb({205 + int(50 * h)},{int(130 * h)},{int(55 * (1 - h))})"


def render(root: Node, title: str, subtitle: str) -> str:
    levels = depth(root)
    height = levels * FRAME_H + 3 * FRAME_H + 2 * MARGIN
    scale = (WIDTH - 2 * MARGIN) / max(root.count, 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Verdana,sans-serif" font-size="{FONT_PX}">',
        f'<rect width="100%" height="100%" fill="rgb(250,250,238)"/>',
        f'<text x="{WIDTH / 2}" y="{MARGIN + FONT_PX + 4}" text-anchor="middle" font-size="{FONT_PX + 5}">'
        f'{html.escape(title)}</text>',
        f'<text x="{WIDTH / 2}" y="{MARGIN + 2 * FRAME_H + 4}" text-anchor="middle" fill="rgb(80,80,80)">'
        f'{html.escape(subtitle)}</text>',
    ]

    def draw(node: Node, x: float, level: int) -> None:
        w = node.count * scale
        if w < MIN_BOX_PX:
            return
        y = height - MARGIN - (level + 1) * FRAME_H
        share = 100 * node.count / max(root.count, 1)
        tip = html.escape(f"{node.name} ({node.count:,} samples, {share:.2f}%)")
        out.append(f'<g><title>{tip}</title><rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{FRAME_H - 1}" '
                   f'fill="{colour(node.name, level)}" rx="2"/>')
        fits = int((w - 6) / CHAR_PX)
        if fits >= 3:
            label = node.name if len(node.name) <= fits else node.name[:fits - 2] + ".."
            out.append(f'<text x="{x + 3:.2f}" y="{y + FRAME_H - 4}">{html.escape(label)}</text>')
        out.append("</g>")
        child_x = x
        for name in sorted(node.children):
            child = node.children[name]
            draw(child, child_x, level + 1)
            child_x += child.count * scale

    draw(root, MARGIN, 0)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--title", required=True)
    parser.add_argument("--subtitle", default="")
    parser.add_argument("folded")
    args = parser.parse_args()
    with open(args.folded) as f:
        root = read_tree(f)
    if not root.count:
        print(f"flamegraph.py: no samples in {args.folded}", file=sys.stderr)
        return 1
    samples = f"{root.count:,} samples"
    sys.stdout.write(render(root, args.title, f"{args.subtitle}; {samples}" if args.subtitle else samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
