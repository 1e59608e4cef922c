"""TCP for tests: a free port to listen on, and a proxy a test puts in front of PostgreSQL or
RabbitMQ to take it away and bring it back without touching the real server (which other
developers share).

    proxy = TcpProxy(5432).start()     # services connect to 127.0.0.1:proxy.port
    proxy.cut()                        # every connection dropped, new ones refused
    proxy.restore()                    # accepting again, on the same port

Real threads and sockets, even in a test process monkey-patched by eventlet: closing a green
socket another green thread reads trips eventlet's one-reader check once the descriptor is
reused; one pair of pump threads per connection.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from eventlet.patcher import original

socket = original("socket")
threading = original("threading")


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self.swallowed = 0   # chunks the black hole kept from their destination
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._holding = False

    def start(self) -> TcpProxy:
        self._listen()
        return self

    def cut(self) -> None:
        """Refuse new connections and drop every open one (as a server that went away)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            _close(connection)

    def black_hole(self) -> None:
        """Keep every connection and accept new ones, but pass nothing on (a host that is gone,
        as far as the applications can tell, without refusing anything)."""
        self._holding = True

    def restore(self) -> None:
        self._holding = False
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()

    @property
    def up(self) -> bool:
        return self._listener is not None

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            if self._listener is not listener:
                _close(client)
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            self.accepted += 1
            with self._lock:
                self._connections |= {client, server}
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self._holding:      # swallowed by the black hole until restored
                    data = b""
                    self.swallowed += 1
                while self._holding:
                    threading.Event().wait(0.05)
                if data:
                    sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._connections -= {source, sink}
        _close(source)
        _close(sink)


def url_through(url: str, proxy: TcpProxy) -> str:
    """`url` (a database or broker URL on 127.0.0.1) with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials, at, _ = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{credentials}{at}127.0.0.1:{proxy.port}"))


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


def free_port() -> int:
    """A port nothing listens on now, for a server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
