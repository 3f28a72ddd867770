# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Serve the suite's databases and the web client with trytond's own server"
import errno
import os
import socket
import sys

from .errors import CoopError


def check_port_free(host, port):
    "Raise a one-line CoopError if host:port is taken or cannot be bound"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exception:
        raise CoopError(
            f"cannot resolve {host!r}: {exception.strerror}; "
            "set [web] listen or TRYTOND_WEB__LISTEN")
    family, type_, proto, _, address = infos[0]
    with socket.socket(family, type_, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exception:
            if exception.errno == errno.EADDRINUSE:
                raise CoopError(
                    f"port {port} on {host} is already in use: stop the "
                    "program that holds it or pass --listen HOST:PORT")
            raise CoopError(
                f"cannot listen on {host}:{port}: {exception.strerror}; "
                "pass --listen HOST:PORT")


def web_client_root():
    "The folder of sao, or None when it is not installed"
    from trytond import config
    root = config.get('web', 'root')
    if root and os.path.isfile(os.path.join(root, 'index.html')):
        return root
    return None


def serve(database_names, listen=None, announce=None):
    """Serve the databases until interrupted

    announce is called with the URL once the databases are loaded."""
    from trytond import config

    from . import database

    if listen:
        config.set('web', 'listen', listen)
    host, port = config.split_netloc(config.get('web', 'listen'))
    check_port_free(host, port)
    for name in database_names:
        if not database.exists(name):
            raise CoopError(
                f"no Tryton database {name!r}: create it with "
                f"'coop db create {name}' or run 'coop demo'")
    if not web_client_root():
        print(
            f"coop: warning: no web client in {config.get('web', 'root')}: "
            "run 'make sao' to install it; serving the RPC only",
            file=sys.stderr)

    from trytond.wsgi import app
    # Loading the pool before the first request works around the 8.0.12
    # login failure on databases the server has not loaded yet.
    for name in database_names:
        database.load_pool(name)

    from werkzeug.serving import run_simple
    url = f'http://{host}:{port}/'
    if announce:
        announce(url)
    run_simple(host, port, app, threaded=True)
