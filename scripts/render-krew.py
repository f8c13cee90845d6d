#!/usr/bin/env python3
"""Render krew/.krew.yaml into a plugin manifest for the archives that exist.

usage: render-krew.py TEMPLATE TAG CHECKSUMS OUT

CHECKSUMS is a `sha256sum` file of release archives. Platforms whose archive is listed get
`uri` and `sha256`; the others are left out (and named on stderr), so the output never holds
a made-up checksum. This is what krew-release-bot's addURIAndSha does, for local builds.
"""
import re
import sys


def main() -> int:
    template_path, tag, checksums_path, out_path = sys.argv[1:5]
    checksums = {}
    with open(checksums_path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                checksums[parts[1].lstrip("*")] = parts[0]

    text = open(template_path, encoding="utf-8").read()
    text = "\n".join(l for l in text.splitlines() if not l.startswith("#")) + "\n"
    head, platforms = text.split("  platforms:\n", 1)
    blocks = re.split(r"(?m)^  - ", platforms)[1:]
    rendered, missing = [], []
    pattern = re.compile(r'\{\{\s*addURIAndSha "([^"]+)" \.TagName\s*\}\}')
    for block in blocks:
        match = pattern.search(block)
        if not match:
            print(f"template platform without addURIAndSha:\n{block}", file=sys.stderr)
            return 1
        uri = match.group(1).replace("{{ .TagName }}", tag)
        archive = uri.rsplit("/", 1)[1]
        if archive not in checksums:
            missing.append(archive)
            continue
        indent = " " * 4
        block = block.replace(
            match.group(0), f"uri: {uri}\n{indent}sha256: {checksums[archive]}"
        )
        rendered.append("  - " + block)
    if not rendered:
        print("no archive of the template's platforms is in the checksums file", file=sys.stderr)
        return 1
    head = head.replace("{{ .TagName }}", tag)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(head + "  platforms:\n" + "".join(rendered))
    for archive in missing:
        print(f"note: {archive} not built here; its platform entry comes from the release workflow", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
