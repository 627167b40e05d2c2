"""A customer's website on another loopback origin: a page with a strict
Content-Security-Policy (only the desk may run scripts and be connected to; no inline style
or script) and hostile CSS that tries to hide or restyle everything, embedding the widget."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HOSTILE_CSS = b"""
* { font-size: 3px !important; color: red !important; }
button, input, textarea, section, ol, li, form { display: none !important; }
body > * { opacity: 0 !important; }
loket-chat, [data-loket-chat] { display: none !important; position: static !important; }
"""


def page(desk: str, key: str, lang: str) -> bytes:
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>Webshop</title><link rel="stylesheet" href="/hostile.css"></head>
<body><h1>Webshop</h1><p>Our products.</p>
<script src="{desk}/chat/widget.js" data-channel="{key}" async></script>
</body></html>""".encode()


@contextmanager
def host_site(desk: str, lang: str = "en") -> Iterator[tuple[str, dict[str, str]]]:
    """Yields the page's origin and its settings (set ``["key"]`` before loading it)."""
    config = {"key": ""}
    csp = (
        f"default-src 'none'; script-src {desk}; connect-src {desk}; style-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'"
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hostile.css":
                body, kind = HOSTILE_CSS, "text/css"
            elif self.path.split("?")[0] in ("/", "/pricing"):
                body, kind = page(desk, config["key"], lang), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Security-Policy", csp)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", config  # another port: another origin
    finally:
        server.shutdown()
        server.server_close()
