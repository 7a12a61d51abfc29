"""Shared test fixtures: paths, and the built site served on 127.0.0.1."""
import functools
import http.server
import os
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIST = os.path.join(ROOT, "dist")
sys.path.insert(0, ROOT)

from build import Handler  # noqa: E402  (the same server `build.py serve` uses)


@pytest.fixture(scope="session")
def site_url():
    """Serve dist/ on a free loopback port for the whole session; yield its base URL."""
    if not os.path.exists(os.path.join(DIST, "index.html")):
        pytest.fail("dist/ is not built: run `python3 build.py test`, which builds it first")
    handler = functools.partial(Handler, directory=DIST)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()
