"""tests/net/serve_helpers.py — shared by the tests that run `smtplab serve` on loopback.

free_port() picks a port nobody listens on; wait_for_port() waits until a server accepts
on it; start_serve() starts `smtplab serve` on a data folder with its output in a log
file. Bind to 127.0.0.1 only. Imported by serve_test.py and sigkill_test.py (they run
as scripts, so this folder is on sys.path).
"""
import os
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, deadline):
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def start_serve(smtplab, data, ports, log, extra=()):
    """Starts `smtplab serve --data DATA` with ports = {"smtp": N, "submission": N, ...}
    (a listener not named is turned off with port 0). Output goes to the open file `log`."""
    names = ("smtp", "submission", "smtps", "pop3", "imap", "pop3s", "imaps")
    args = [smtplab, "serve", "--data", data]
    for name in names:
        args += ["--%s-port" % name, str(ports.get(name, 0))]
    args += list(extra)
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


def maildir_files(data, user):
    """Every message file in the user's Maildir (new/ and cur/)."""
    out = []
    for sub in ("new", "cur"):
        folder = os.path.join(data, "maildir", user, "Maildir", sub)
        if os.path.isdir(folder):
            out += [os.path.join(folder, name) for name in os.listdir(folder)]
    return sorted(out)
