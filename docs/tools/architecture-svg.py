#!/usr/bin/env python3
"""Draws docs/architecture.svg, the README's architecture picture, from the repository itself:

- the Maven modules: the root pom.xml's <modules>, each described by its row in README.md's "Layout" table
  (else by its pom's <name>);
- the ports and their keys: the defaults of server.port, api.port, management.port, media.port and rtmp.port in
  docs/configuration.md.

Usage: python3 docs/tools/architecture-svg.py           (rewrites docs/architecture.svg)
       python3 docs/tools/architecture-svg.py --check   (exit 1 if the committed picture is stale)
Standard library only; the output is deterministic, so the check compares bytes.
"""
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "architecture.svg"
W = 980
FONT = "font-family=\"DejaVu Sans, Verdana, sans-serif\""
CHAR = 6.4  # average width of a 11.5 px character, for wrapping


def modules():
    pom = (ROOT / "pom.xml").read_text(encoding="utf-8")
    names = re.findall(r"<module>([^<]+)</module>", pom)
    layout = {}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for m in re.finditer(r"^\| `([^`]+)/`(?:, `[^`]+/`)* \| (.+?) \|$", readme, re.M):
        layout[m.group(1)] = m.group(2)
    out = []
    for n in names:
        what = layout.get(n)
        if what is None:
            sub = (ROOT / n / "pom.xml").read_text(encoding="utf-8")
            sub = re.sub(r"<parent>.*?</parent>", "", sub, flags=re.S)
            m = re.search(r"<name>([^<]+)</name>", sub)
            what = m.group(1) if m else n
        what = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", what)       # markdown links -> text
        what = re.sub(r"`", "", what)
        what = re.sub(r"\s*\([^)]*\)", "", what)                    # no parenthesised asides
        what = what.split(";")[0].strip().rstrip(",")               # the first clause
        out.append((n, what))
    return out


def ports():
    conf = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    found = {}
    for key in ("server.port", "api.port", "management.port", "media.port", "rtmp.port"):
        m = re.search(r"^\| `" + re.escape(key) + r"` \| `(\d+)` \| `([A-Z_]+)` \|", conf, re.M)
        if not m:
            sys.exit(f"architecture-svg: {key} not found in docs/configuration.md's tables")
        found[key] = (m.group(1), m.group(2))
    return found


def wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and (len(line) + 1 + len(word)) * CHAR > width:
            lines.append(line)
            line = word
        else:
            line = (line + " " + word).strip()
    if line:
        lines.append(line)
    return lines


def esc(s):
    return html.escape(s, quote=True)


def box(x, y, w, h, fill, stroke, rx=6):
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" stroke="{stroke}"/>'


def text(x, y, s, size=11.5, weight="normal", anchor="start", fill="#1f2933"):
    return (f'<text x="{x}" y="{y}" {FONT} font-size="{size}" font-weight="{weight}" '
            f'text-anchor="{anchor}" fill="{fill}">{esc(s)}</text>')


def arrow(x1, y1, x2, y2, label=None, both=False):
    marker = ' marker-start="url(#a)"' if both else ""
    out = [f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#52606d" stroke-width="1.4" '
           f'marker-end="url(#a)"{marker}/>']
    if label:
        # A quarter of the way from the client, where the fanned-out arrows are still apart.
        out.append(text(x1 + (x2 - x1) * 0.25, y1 + (y2 - y1) * 0.25 - 5, label, 10, anchor="middle", fill="#52606d"))
    return out


def draw():
    p = ports()
    mods = modules()
    svg = []
    # Clients (left) and the listeners they reach (server box, right).
    clients = [
        ("Browser", "parley.js: WebSocket + WebRTC"),
        ("Java client", "ParleyEngine: WebSocket + WebRTC"),
        ("WeChat mini-program", "parley-wx.js, <live-pusher>/<live-player>"),
        ("Business server", "signed server API calls; webhooks"),
        ("Prometheus", "scrapes /metrics"),
    ]
    listeners = [
        ("gateway", f"TCP {p['server.port'][0]}", "/ws  /live/<id>.flv  /parley.js  /healthz  /readyz  /metrics",
         f"--port, {p['server.port'][1]}"),
        ("media (SFU)", f"UDP {p['media.port'][0]}", "ICE-lite, DTLS-SRTP, Opus RTP/RTCP for every transport",
         f"--media-port, {p['media.port'][1]}"),
        ("RTMP edge", f"TCP {p['rtmp.port'][0]}", "RTMP push and play; AAC <-> Opus bridge to the SFU",
         p['rtmp.port'][1]),
        ("server API", f"TCP {p['api.port'][0]}", "KickoutUser, CloseRoom, Describe*, AddStream, ...",
         p['api.port'][1]),
        ("management", f"TCP {p['management.port'][0]}", "/metrics /healthz /readyz when management.enabled",
         p['management.port'][1]),
    ]
    # client -> listener index, label
    links = [(0, 0, "wss/ws JSON"), (0, 1, "SRTP"), (1, 0, None), (1, 1, None), (2, 2, "RTMP"), (2, 0, "HTTP-FLV"),
             (3, 3, "HTTPS/HTTP"), (4, 4, None)]
    top = 70
    cx, cw, ch, gap = 20, 250, 52, 18
    sx, sw = 420, 540
    lx, lw, lh = sx + 16, sw - 32, 52
    svg.append(text(W / 2, 32, "Parley: one server process, its listeners, and the Maven modules", 17, "bold", "middle"))
    svg.append(text(cx, top - 12, "Clients", 13, "bold"))
    cy = {}
    for i, (name, what) in enumerate(clients):
        y = top + i * (ch + gap)
        cy[i] = y + ch / 2
        svg.append(box(cx, y, cw, ch, "#eef2f7", "#9aa5b1"))
        svg.append(text(cx + 12, y + 21, name, 12.5, "bold"))
        svg.append(text(cx + 12, y + 39, what, 10.5, fill="#3e4c59"))
    body = len(listeners) * (lh + gap) + 120
    svg.append(box(sx, top - 26, sw, body, "#f7fbf4", "#5f8d4e", 10))
    svg.append(text(sx + 16, top - 8, "parley-server.jar (one JVM; java -jar ... --dev)", 13, "bold", fill="#2f5d22"))
    ly = {}
    for i, (name, port, what, how) in enumerate(listeners):
        y = top + 6 + i * (lh + gap)
        ly[i] = y + lh / 2
        svg.append(box(lx, y, lw, lh, "#ffffff", "#7cb26a"))
        svg.append(text(lx + 12, y + 20, name, 12.5, "bold"))
        svg.append(text(lx + 120, y + 20, port, 12.5, "bold", fill="#2f5d22"))
        svg.append(text(lx + lw - 10, y + 20, how, 10, anchor="end", fill="#7b8794"))
        svg.append(text(lx + 12, y + 39, what, 10.5, fill="#3e4c59"))
    core_y = top + 6 + len(listeners) * (lh + gap)
    svg.append(box(lx, core_y, lw, 58, "#e3f0db", "#7cb26a"))
    svg.append(text(lx + 12, core_y + 20, "rooms: App > Room > Member, Stream (one event loop per room)", 11.5, "bold"))
    svg.append(text(lx + 12, core_y + 40, "tokens (JWT, token04) | RoomEvents -> webhooks, metrics | SIGTERM drain",
                    10.5, fill="#3e4c59"))
    for c, l, label in links:
        svg.extend(arrow(cx + cw, cy[c], lx, ly[l], label))
    # Modules (bottom).
    my = top - 26 + body + 40
    svg.append(text(cx, my - 10, "Maven modules (pom.xml)", 13, "bold"))
    cols = 3
    mw = (W - 2 * cx - (cols - 1) * 14) / cols
    rows = []
    for i, (name, what) in enumerate(mods):
        lines = wrap(what, mw - 24)
        if len(lines) > 3:
            lines = lines[:3]
            lines[2] = lines[2].rstrip(",") + " ..."
        rows.append((i // cols, i % cols, name, lines))
    row_h = {}
    for r, _, _, lines in rows:
        row_h[r] = max(row_h.get(r, 0), 30 + 15 * len(lines))
    y0 = {}
    acc = my
    for r in sorted(row_h):
        y0[r] = acc
        acc += row_h[r] + 12
    for r, c, name, lines in rows:
        x = cx + c * (mw + 14)
        svg.append(box(x, y0[r], mw, row_h[r], "#fdf6e3", "#c9a227"))
        svg.append(text(x + 12, y0[r] + 19, name + "/", 12.5, "bold"))
        for k, line in enumerate(lines):
            svg.append(text(x + 12, y0[r] + 36 + 15 * k, line, 10.5, fill="#3e4c59"))
    height = int(acc + 14)
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}">',
            "<!-- Generated by docs/tools/architecture-svg.py from pom.xml, README.md (Layout) and "
            "docs/configuration.md: do not edit by hand. -->",
            '<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>',
            f'<rect width="{W}" height="{height}" fill="#ffffff"/>']
    return "\n".join(head + svg + ["</svg>"]) + "\n"


def main():
    out = draw()
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != out:
            print("architecture-svg: docs/architecture.svg is stale; regenerate it with "
                  "python3 docs/tools/architecture-svg.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(out, encoding="utf-8")
    print(f"architecture-svg: wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
