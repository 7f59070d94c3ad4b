#!/usr/bin/python3
"""Fails on a link in the project's Markdown that points nowhere.

Usage: check_links.py [REPOSITORY_ROOT]

Reads every Markdown file git knows of (tracked, plus new files that are not
ignored: `git ls-files --cached --others --exclude-standard '*.md'`; outside a
git checkout, every *.md under the root). For each link, inline
`[text](target)`, image `![alt](target)`, reference definition
`[name]: target` or HTML `href="target"`, outside code spans and code blocks:
  - a relative target must name a file or directory that exists inside the
    repository (a leading `/` means the repository root, as on GitHub);
  - a `#anchor`, alone or after a *.md target, must be the slug of a heading in
    that file, made the way GitHub makes it: the heading's text lowercased,
    punctuation other than `-` and `_` removed, each space turned into `-`,
    and `-1`, `-2`... appended to repeated slugs. An `id` or `name` attribute
    of an HTML tag counts as an anchor too.
Links with a scheme (https:, mailto:...) are not fetched or checked.

Exits 0 when every link resolves, 1 with one line per broken link
(file:line: target: why) otherwise. Python 3 standard library only.
"""
import os
import re
import subprocess
import sys
import unicodedata
import urllib.parse

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
# [text](target) and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
                         r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_HREF = re.compile(r"<[a-zA-Z][^>]*?\s(?:href|src)\s*=\s*[\"']([^\"']*)[\"']")
HTML_ANCHOR = re.compile(r"<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*[\"']([^\"']*)[\"']")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files(root):
    """Repository-relative paths of the Markdown files to check."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
             "--", "*.md"],
            check=True, capture_output=True, text=True).stdout
        names = [name for name in out.split("\0") if name]
        # A tracked file deleted in the working tree is not there to check.
        return sorted({name for name in names if os.path.isfile(os.path.join(root, name))})
    except (OSError, subprocess.CalledProcessError):
        found = []
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = [d for d in subdirs
                          if not d.startswith(".") and not d.startswith("build")
                          and d not in ("node_modules", "bench-results")]
            found += [os.path.relpath(os.path.join(directory, f), root)
                      for f in files if f.endswith(".md")]
        return sorted(found)


def blank_code_spans(line):
    """The line with each code span's text replaced by x's, so that brackets in
    code neither start nor end a link, and columns stay where they were."""
    return CODE_SPAN.sub(lambda m: m.group(1) + "x" * len(m.group(2)) + m.group(1), line)


def prose_lines(text):
    """(line number, line) for each line outside fenced code blocks. Indented
    code blocks are not told apart from indented list paragraphs: their lines
    are read as prose (a link-like text in one would be checked)."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        yield number, line


def heading_text_to_slug(text):
    """GitHub's anchor for a heading whose Markdown source is `text`."""

    def rendered(prose):
        prose = re.sub(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)", r"\1", prose)  # links: their text
        prose = re.sub(r"<[^>]+>", "", prose)                                       # HTML tags
        prose = re.sub(r"\*+", "", prose)                                           # *emphasis*
        return re.sub(r"(?<![0-9A-Za-z])_+|_+(?![0-9A-Za-z])", "", prose)           # _emphasis_, not snake_case

    # Markup is taken out of the prose only: a code span's text stays as written.
    pieces, end = [], 0
    for span in CODE_SPAN.finditer(text):
        pieces += [rendered(text[end:span.start()]), span.group(2).strip()]
        end = span.end()
    text = "".join(pieces) + rendered(text[end:])
    text = text.strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        # Letters, marks, digits and connector punctuation (_) stay, as do
        # spaces and hyphens; every other character is dropped.
        if category[0] in "LMN" or category == "Pc" or char in " -":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors_of(text):
    """Every anchor a link can name in a Markdown file: heading slugs, with
    GitHub's -1, -2 suffixes for repeats, and HTML id/name attributes."""
    anchors = set()
    seen = {}

    def add_heading(source):
        slug = heading_text_to_slug(source)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")

    previous = None  # the previous prose line, if it could be a setext heading's text
    for _, line in prose_lines(text):
        anchors.update(HTML_ANCHOR.findall(line))
        atx = ATX_HEADING.match(line)
        if atx:
            add_heading(atx.group(2) or "")
            previous = None
            continue
        if previous is not None and SETEXT_UNDERLINE.match(line) and "|" not in previous:
            add_heading(previous.strip())
            previous = None
            continue
        previous = line if line.strip() else None
    return anchors


def links_of(text):
    """(line number, target) for every link in the prose of a Markdown file."""
    for number, line in prose_lines(text):
        prose = blank_code_spans(line)
        targets = [m.group(2) for m in INLINE_LINK.finditer(prose)]
        definition = REFERENCE_DEFINITION.match(prose)
        if definition:
            targets.append(definition.group(1))
        targets += HTML_HREF.findall(prose)
        for target in targets:
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1]
            yield number, target


def check(root):
    root = os.path.realpath(root)
    files = markdown_files(root)
    anchor_cache = {}

    def anchors_in(path):
        if path not in anchor_cache:
            with open(path, encoding="utf-8") as f:
                anchor_cache[path] = anchors_of(f.read())
        return anchor_cache[path]

    broken = []
    checked = 0
    for name in files:
        source = os.path.join(root, name)
        with open(source, encoding="utf-8") as f:
            text = f.read()
        for number, target in links_of(text):
            checked += 1
            where = f"{name}:{number}: ({target})"
            if not target:
                broken.append(f"{where}: empty link target")
                continue
            if SCHEME.match(target) or target.startswith("//"):
                continue  # external: not fetched
            path_part, _, anchor = target.partition("#")
            path_part = urllib.parse.unquote(path_part.split("?", 1)[0])
            if not path_part:
                linked = source
            elif path_part.startswith("/"):
                linked = os.path.normpath(os.path.join(root, path_part.lstrip("/")))
            else:
                linked = os.path.normpath(os.path.join(os.path.dirname(source), path_part))
            if linked != root and not linked.startswith(root + os.sep):
                broken.append(f"{where}: points outside the repository")
                continue
            if not os.path.exists(linked):
                broken.append(f"{where}: {os.path.relpath(linked, root)} does not exist")
                continue
            if anchor and linked.endswith(".md") and os.path.isfile(linked):
                anchor = urllib.parse.unquote(anchor)
                if anchor not in anchors_in(linked):
                    broken.append(f"{where}: no heading in {os.path.relpath(linked, root)} "
                                  f"has the anchor #{anchor}")
    return files, checked, broken


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    if len(sys.argv) > 2 or not os.path.isdir(root):
        sys.exit(__doc__)
    files, checked, broken = check(root)
    if not files:
        print(f"check_links: no Markdown files found under {root}", file=sys.stderr)
        return 1
    for line in broken:
        print(line)
    if broken:
        print(f"check_links: {len(broken)} broken link(s) among {checked} in {len(files)} "
              "Markdown files", file=sys.stderr)
        return 1
    print(f"check_links: all {checked} links in {len(files)} Markdown files resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
