"""A TCP forwarder for tests: listens on a free local port (optionally only after a delay) and
passes every connection on to a target, e.g. the PostgreSQL server, to play a database restart."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class Forwarder:
    def __init__(self, target: tuple[str, int], *, start_after_s: float = 0.0) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.target = target
        self._stop = threading.Event()
        self.listening_at: float | None = None  # time.monotonic() when it began to accept
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, args=(start_after_s,), daemon=True)
        self._thread.start()

    def _serve(self, delay: float) -> None:
        time.sleep(delay)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.listening_at = time.monotonic()
        server.settimeout(0.2)
        self._sockets.append(server)
        while not self._stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self._sockets:
            s.close()
