"""What every fake network server shares: it listens on 127.0.0.1 on a free port, serves
from a thread, and lives for a `with` block.

    with FakeXApi() as api:
        settings.X_API_BASE_URL = api.base_url
"""

import threading
from http.server import ThreadingHTTPServer
from typing import Self


class LocalHttpServer:
    """A fake's lifecycle; the fake says how its HTTP server is made (`make_server`)."""

    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def make_server(self) -> ThreadingHTTPServer:
        """The fake's server on ("127.0.0.1", 0), its handler able to reach the fake."""
        raise NotImplementedError

    def start(self) -> Self:
        self._server = self.make_server()
        self._server.daemon_threads = True
        # A short poll: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"Start the {type(self).__name__} first.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
