#!/usr/bin/env python3
"""tests/net/retrieve_test.py — POP3 and IMAP of `smtplab serve` against real clients.

Delivers three messages to bob over SMTP (smtplib), then checks on loopback:
- poplib: USER before STLS is refused (RFC 2595 §2.2); after stls() a wrong password
  gets -ERR after a delay (RFC 1939 §13) and the connection stays usable; LIST, UIDL,
  RETR equals the Maildir file byte for byte (poplib undoes the dot-stuffing), DELE +
  QUIT removes the file; pop3s (implicit TLS, RFC 8314 §3.3) logs in.
- imaplib: CAPABILITY says LOGINDISABLED before STARTTLS (RFC 3501 §6.2.3); after
  starttls() a wrong password gets NO and the connection stays usable; SELECT INBOX,
  FETCH BODY[] equals the Maildir file, FETCH ENVELOPE INTERNALDATE, STORE +FLAGS
  (\\Seen) gives the file the Maildir suffix ":2,S", STORE \\Deleted + EXPUNGE removes
  it; an unknown command gets BAD; a literal over the limit gets BAD; imaps logs in.
- IMAP IDLE (RFC 2177): bob idles, a message is delivered over SMTP, "* n EXISTS"
  arrives within 5 s (alice, idling too, hears nothing); DONE gives OK; the new
  message's INTERNALDATE is its delivery time; it is then expunged again.
- curl pop3:// and imap:// with --ssl-reqd and the demo CA: list and fetch.
- neomutt (batch mode) reads bob's Maildir and counts its messages; python3's
  mailbox.Maildir reads it too (two independent readers of the same files).

Usage: retrieve_test.py --smtplab PATH   (exit 0: all passed; 1: a check failed)
"""
import argparse
import imaplib
import mailbox
import os
import poplib
import re
import shutil
import smtplib
import socket
import subprocess
import sys
import time

import glob
import signal
import ssl
import tempfile

import serve_helpers  # shared with serve_test.py and sigkill_test.py: ports, start_serve

# The engines' delay before the first failed login's answer (pop3/imap
# auth_failure_delay_ms_default, 1 s); we accept a little less for timer granularity.
FAILED_LOGIN_DELAY_S = 0.9

PASSWORD = {"alice": "alice-demo-password", "bob": "bob-demo-password"}
failures = []


# Short for the test (the default is RFC 1939 §3's 10 minutes), long enough that no POP3
# check above ever pauses that long between two commands. IMAP keeps its default (30 min).
POP3_IDLE_TIMEOUT_MS = 8000


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def maildir_files(data, user, sub="new", folder=""):
    return sorted(glob.glob(os.path.join(data, "maildir", user, "Maildir", folder, sub, "*")))


def wait_for_files(data, user, count, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = maildir_files(data, user)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return maildir_files(data, user)


def tls_context(data):
    """Trusts the demo CA that `smtplab serve` made in DATA/tls/ca.pem."""
    ctx = ssl.create_default_context(cafile=os.path.join(data, "tls", "ca.pem"))
    ctx.check_hostname = True
    return ctx


class Serve:
    """`smtplab serve` on 127.0.0.1 in a new temporary folder, with the given options."""

    def __init__(self, smtplab, ports, prefix):
        self.data = tempfile.mkdtemp(prefix=prefix)
        self.log_path = os.path.join(self.data, "serve.log")
        self.log = open(self.log_path, "w")
        self.process = serve_helpers.start_serve(smtplab, self.data, ports, self.log,
                                                 ("--trace-jsonl", os.path.join(self.data, "trace.jsonl"),
                                                  "--pop3-idle-timeout-ms", str(POP3_IDLE_TIMEOUT_MS)))

    def wait_for(self, ports, seconds=30):
        deadline = time.time() + seconds
        return all(serve_helpers.wait_for_port(p, deadline) for p in ports)

    def stop(self):
        """SIGTERM; exit status 0 is a check. Keeps the folder when a check failed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                rc = self.process.wait(timeout=10)
                check(rc == 0, "SIGTERM stops the server with exit status 0 (got %s)" % rc)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                check(False, "the server stops within 10 s of SIGTERM")
        else:
            check(False, "the server was still running at the end (exit %s)" % self.process.returncode)
        self.log.close()
        if failures:
            print("--- last lines of the server's trace (%s) ---" % self.log_path)
            print("".join(open(self.log_path, errors="replace").readlines()[-40:]))
        else:
            shutil.rmtree(self.data, ignore_errors=True)


def deliver(port, subject, body):
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10) as s:
        s.sendmail("alice@lab.example", ["bob@lab.example"],
                   "From: Alice <alice@lab.example>\r\nTo: bob@lab.example\r\nSubject: %s\r\n"
                   "Message-ID: <%s@client.test>\r\n\r\n%s" % (subject, subject, body))


def file_for_id(files, message_id):
    """The Maildir file whose name starts with the store's id (new/ or cur/)."""
    for path in files:
        if os.path.basename(path).split(":")[0] == message_id:
            return path
    return None


def pop3_checks(data, ports):
    ctx = tls_context(data)
    pop = poplib.POP3("localhost", ports["pop3"], timeout=10)
    try:
        pop.user("bob")
        check(False, "USER before STLS is refused")
    except poplib.error_proto as e:
        check(str(e).startswith("b'-ERR"), "USER before STLS: -ERR (%s)" % e)
    pop.stls(context=ctx)
    start = time.time()
    try:
        pop.user("bob")
        pop.pass_("not-the-password")
        check(False, "a wrong POP3 password is refused")
    except poplib.error_proto as e:
        elapsed = time.time() - start
        check(str(e).startswith("b'-ERR"), "wrong POP3 password: -ERR")
        check(elapsed >= FAILED_LOGIN_DELAY_S, "the -ERR came after a delay (%.2f s)" % elapsed)
    pop.user("bob")
    check(pop.pass_(PASSWORD["bob"]).startswith(b"+OK"), "after a failure, the right password: +OK")
    count, _ = pop.stat()
    check(count == 3, "STAT: 3 messages (got %d)" % count)
    listing = pop.list()[1]
    check(len(listing) == 3, "LIST: 3 lines")
    uidl = dict(line.decode().split(" ", 1) for line in pop.uidl()[1])
    files = maildir_files(data, "bob")
    check(all(file_for_id(files, uid) for uid in uidl.values()), "UIDL: each unique id names a Maildir file")
    for number, uid in uidl.items():
        path = file_for_id(files, uid)
        lines = pop.retr(int(number))[1]
        got = b"\r\n".join(lines) + b"\r\n"
        want = open(path, "rb").read()
        check(got == want, "RETR %s equals the Maildir file (%d bytes)" % (number, len(want)))
    size = int(listing[0].split()[1])
    check(size == os.path.getsize(file_for_id(files, uidl["1"])), "LIST size = the file size")
    gone = file_for_id(files, uidl["1"])
    check(pop.dele(1).startswith(b"+OK"), "DELE 1: +OK")
    check(os.path.exists(gone), "before QUIT the file is still there (RFC 1939 §6)")
    pop.quit()
    check(not os.path.exists(gone), "after QUIT the DELEted file is gone")

    # Wrong state: STAT before login is -ERR, and the session goes on.
    with socket.create_connection(("127.0.0.1", ports["pop3"]), timeout=10) as raw:
        f = raw.makefile("rb")
        f.readline()
        raw.sendall(b"STAT\r\nCAPA\r\n")
        check(f.readline().startswith(b"-ERR"), "STAT before login: -ERR")
        check(f.readline().startswith(b"+OK"), "then CAPA: +OK (the connection is usable)")

    # pop3s: implicit TLS.
    pops = poplib.POP3_SSL("localhost", ports["pop3s"], context=ctx, timeout=10)
    pops.user("bob")
    pops.pass_(PASSWORD["bob"])
    check(pops.stat()[0] == 2, "pop3s: logged in, 2 messages left")
    pops.quit()


def imap_checks(data, ports):
    ctx = tls_context(data)
    imap = imaplib.IMAP4("localhost", ports["imap"], timeout=10)
    check("LOGINDISABLED" in imap.capabilities and "STARTTLS" in imap.capabilities,
          "IMAP CAPABILITY before TLS: STARTTLS and LOGINDISABLED")
    imap.starttls(ssl_context=ctx)
    check("LOGINDISABLED" not in imap.capabilities, "after STARTTLS: no LOGINDISABLED")
    start = time.time()
    try:
        imap.login("bob", "not-the-password")
        check(False, "a wrong IMAP password is refused")
    except imaplib.IMAP4.error as e:
        check("AUTHENTICATIONFAILED" in str(e) or "NO" in str(e) or "failed" in str(e).lower(),
              "wrong IMAP password: NO (%s)" % e)
        check(time.time() - start >= FAILED_LOGIN_DELAY_S, "the NO came after a delay")
    typ, _ = imap.login("bob", PASSWORD["bob"])
    check(typ == "OK", "after a failure, LOGIN: OK")
    typ, count = imap.select("INBOX")
    check(typ == "OK" and count[0] == b"2", "SELECT INBOX: 2 messages (got %s)" % count)
    files = maildir_files(data, "bob", "new") + maildir_files(data, "bob", "cur")
    typ, uids = imap.uid("SEARCH", None, "ALL")
    uid_list = uids[0].split()
    typ, fetched = imap.fetch("1", "(BODY.PEEK[])")
    body = fetched[0][1]
    check(any(open(p, "rb").read() == body for p in files), "FETCH BODY[] equals a Maildir file byte for byte")
    typ, fetched = imap.fetch("1", "(ENVELOPE INTERNALDATE)")
    meta = fetched[0].decode(errors="replace")
    check("ENVELOPE (" in meta and '"alice" "lab.example"' in meta, "ENVELOPE has From as (name adl mailbox host)")
    check(re.search(r'INTERNALDATE "[ 0-9]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d \+0000"', meta) is not None,
          "INTERNALDATE in RFC 3501 date-time format")
    check(imap.store("1", "+FLAGS", "(\\Seen)")[0] == "OK", "STORE 1 +FLAGS (\\Seen): OK")
    seen = [p for p in maildir_files(data, "bob", "cur") if p.endswith(":2,S")]
    check(len(seen) == 1, "the Maildir file moved to cur/ with the suffix :2,S")
    # Unknown command: BAD, and the session goes on.
    try:
        imap.xatom("FROBNICATE")
        check(False, "an unknown IMAP command is refused")
    except imaplib.IMAP4.error as e:
        check("BAD" in str(e) or "unknown" in str(e).lower(), "unknown command: BAD (%s)" % e)
    check(imap.noop()[0] == "OK", "after BAD, NOOP: OK")
    imap.store("1", "+FLAGS", "(\\Deleted)")
    typ, expunged = imap.expunge()
    check(typ == "OK" and expunged[0] == b"1", "EXPUNGE: * 1 EXPUNGE")
    check(not any(os.path.exists(p) for p in seen), "the expunged message's file is gone")
    check(len(uid_list) == 2, "UID SEARCH ALL: 2 UIDs")
    imap.logout()

    # A literal announced over the limit (64 KiB) is refused before it is sent: BAD.
    with socket.create_connection(("127.0.0.1", ports["imaps"]), timeout=10) as raw:
        tls = ctx.wrap_socket(raw, server_hostname="lab.example")
        f = tls.makefile("rb")
        f.readline()
        tls.sendall(b"a1 LOGIN {100000}\r\n")
        check(f.readline().startswith(b"a1 BAD"), "a literal over the limit: BAD")
        tls.sendall(b"a2 NOOP\r\n")
        check(f.readline().startswith(b"a2 OK"), "then NOOP: OK (imaps, the connection is usable)")
        tls.close()


def read_until(imap, prefix, seconds):
    """Lines from an imaplib connection until one starts with `prefix`, or None after
    `seconds` (the lines read on the way are returned too, for the failure message)."""
    seen = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        imap.sock.settimeout(max(0.05, deadline - time.time()))
        try:
            line = imap.readline()
        except OSError:  # the timeout (after which the socket's file is unusable)
            break
        if not line:
            break
        seen.append(line)
        if line.startswith(prefix):
            return line, seen
    return None, seen


def idle_checks(data, ports):
    """RFC 2177: a client in IDLE hears "* n EXISTS" when the MDA stores new mail, and
    only the mailbox owner's sessions hear it; DONE ends the IDLE with OK."""
    ctx = tls_context(data)

    def login(user):
        imap = imaplib.IMAP4("localhost", ports["imap"], timeout=10)
        imap.starttls(ssl_context=ctx)
        imap.login(user, PASSWORD[user])
        typ, count = imap.select("INBOX")
        return imap, int(count[0]) if typ == "OK" else 0

    bob, before = login("bob")
    alice, _ = login("alice")
    # imaplib has no IDLE helper: the command goes out raw on its (TLS) socket.
    bob.send(b"i1 IDLE\r\n")
    alice.send(b"i1 IDLE\r\n")
    line, _ = read_until(bob, b"+", 5)
    check(line is not None, "IDLE: the server answers with a continuation (+ idling)")
    line, _ = read_until(alice, b"+", 5)
    check(line is not None, "IDLE for alice too")
    sent_at = time.time()
    deliver(ports["smtp"], "idle", "arrives while bob idles\r\n")
    want = b"* %d EXISTS" % (before + 1)
    line, seen = read_until(bob, want, 5)
    check(line is not None, "IDLE: '%s' within 5 s of the delivery (got %s)" % (want.decode(), seen))
    if line is not None:
        print("     (EXISTS %.2f s after smtplib sent the message)" % (time.time() - sent_at))
    line, seen = read_until(alice, b"*", 1)
    check(line is None, "alice's IDLE hears nothing of bob's mail (got %s)" % seen)
    bob.send(b"DONE\r\n")
    line, seen = read_until(bob, b"i1 ", 5)
    check(line is not None and line.startswith(b"i1 OK"), "DONE ends the IDLE: i1 OK (got %s)" % seen)
    # After a timed-out read Python's socket file is unusable: alice just hangs up.
    alice.shutdown()
    # The session goes on after IDLE: the new message's INTERNALDATE is its delivery
    # time (RFC 3501 §2.3.3), which the Maildir name keeps.
    bob.sock.settimeout(10)
    typ, fetched = bob.fetch(str(before + 1), "(INTERNALDATE BODY.PEEK[HEADER])")
    when = imaplib.Internaldate2tuple(fetched[0][0]) if typ == "OK" else None
    delta = abs(time.mktime(when) - sent_at) if when else None
    check(delta is not None and delta < 60,
          "FETCH INTERNALDATE of the new message is its delivery time (off by %s s)" % delta)
    check(typ == "OK" and b"Subject: idle" in fetched[0][1], "FETCH of the new message: Subject: idle")
    # Leave the mailbox as the later steps expect it (one message): expunge this one.
    bob.store(str(before + 1), "+FLAGS", "(\\Deleted)")
    typ, _ = bob.expunge()
    check(typ == "OK", "the IDLE message is expunged again")
    bob.logout()


def curl_checks(data, ports):
    if not shutil.which("curl"):
        print("skip curl: not installed (scripts/setup.sh installs it)")
        return
    base = ["curl", "--silent", "--show-error", "--ssl-reqd", "--cacert", os.path.join(data, "tls", "ca.pem"),
            "--user", "bob:" + PASSWORD["bob"], "--max-time", "30"]

    def run(scheme, port, path, extra=()):
        url = "%s://lab.example:%d/%s" % (scheme, port, path)
        return subprocess.run(base + ["--resolve", "lab.example:%d:127.0.0.1" % port] + list(extra) + [url],
                              capture_output=True, timeout=60)

    left = len(maildir_files(data, "bob", "new")) + len(maildir_files(data, "bob", "cur"))
    r = run("pop3", ports["pop3"], "")
    check(r.returncode == 0 and len(r.stdout.splitlines()) == left,
          "curl pop3:// --ssl-reqd (STLS) lists the %d message(s) left" % left + "  (rc %d %s)" % (r.returncode, r.stderr.strip()))
    r = run("pop3", ports["pop3"], "1")
    check(r.returncode == 0 and b"Subject: " in r.stdout, "curl pop3://.../1 retrieves it")
    r = run("imap", ports["imap"], "INBOX", ["--request", "SEARCH ALL"])
    check(r.returncode == 0 and b"SEARCH" in r.stdout,
          "curl imap:// --ssl-reqd (STARTTLS) SEARCH ALL (rc %d %s)" % (r.returncode, r.stderr.strip()))
    r = run("imap", ports["imap"], "INBOX;MAILINDEX=1")
    check(r.returncode == 0 and b"Subject: " in r.stdout,
          "curl imap://.../INBOX;MAILINDEX=1 fetches the message (rc %d %s)" % (r.returncode, r.stderr.strip()))
    r = run("imaps", ports["imaps"], "INBOX;MAILINDEX=1")
    check(r.returncode == 0 and b"Subject: " in r.stdout, "curl imaps:// (implicit TLS) fetches it too")


def maildir_reader_checks(data):
    maildir = os.path.join(data, "maildir", "bob", "Maildir")
    on_disk = len(maildir_files(data, "bob", "new")) + len(maildir_files(data, "bob", "cur"))
    box = mailbox.Maildir(maildir, factory=None, create=False)
    subjects = sorted(m["Subject"] for m in box)
    check(len(subjects) == on_disk and all(subjects), "python3 mailbox.Maildir reads %d messages" % on_disk)
    neomutt = shutil.which("neomutt")
    if not neomutt:
        print("skip neomutt: not installed (scripts/setup.sh installs it)")
        return
    script_tool = shutil.which("script")
    if not script_tool:
        print("skip neomutt: util-linux 'script' (a pseudo-terminal for neomutt) is missing")
        return
    # neomutt wants a terminal even when driven by keys: `script` gives it a
    # pseudo-terminal. It opens the Maildir read-only (-R), tags every message (~A),
    # copies the tagged ones (auto_tag) to an mbox file and quits; we compare subjects.
    home = os.path.join(data, "neomutt-home")
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, TERM="vt100")
    out = os.path.join(data, "export.mbox")
    command = ("%s -n -F /dev/null -R -f %s -e 'set mbox_type=mbox; set confirmappend=no; set confirmcreate=no; "
               "set move=no; set quit=yes; set wait_key=no; set auto_tag=yes' "
               "-e 'push \"<tag-pattern>~A<enter><copy-message>%s<enter><quit>\"'" % (neomutt, maildir, out))
    r = subprocess.run([script_tool, "-qec", command, "/dev/null"], stdin=subprocess.DEVNULL,
                       capture_output=True, env=env, timeout=30)
    if not os.path.exists(out):
        print("neomutt said: rc %d %s" % (r.returncode, (r.stderr or b"")[-300:]))
    exported = mailbox.mbox(out) if os.path.exists(out) else []
    got = sorted(m["Subject"] for m in exported)
    check(got == subjects, "neomutt (batch) copies the %d Maildir messages out: %s" % (len(subjects), got))


def autologout_checks(data, ports):
    """A silent POP3 client is logged out after --pop3-idle-timeout-ms; an IMAP client
    opened at the same time is not (RFC 3501 §5.4: IMAP's timer is at least 30 min)."""
    pop = socket.create_connection(("127.0.0.1", ports["pop3"]), timeout=30)
    imap = socket.create_connection(("127.0.0.1", ports["imap"]), timeout=30)
    start = time.time()
    check(pop.recv(512).startswith(b"+OK"), "POP3 greeting for the autologout check")
    check(imap.recv(512).startswith(b"* OK"), "IMAP greeting for the autologout check")
    pop.settimeout(POP3_IDLE_TIMEOUT_MS / 1000 + 20)
    heard = b""
    while True:  # until the server closes
        chunk = pop.recv(512)
        if not chunk:
            break
        heard += chunk
    waited = time.time() - start
    check(waited >= POP3_IDLE_TIMEOUT_MS / 1000 - 0.5,
          "the silent POP3 client is not logged out early (after %.1f s)" % waited)
    check(waited < POP3_IDLE_TIMEOUT_MS / 1000 + 15, "the silent POP3 client is logged out (after %.1f s)" % waited)
    # RFC 1939 §3: "the server should close the TCP connection without removing any
    # messages or sending any response to the client."
    check(heard == b"", "POP3 closes without a response (got %r)" % heard[:60])
    imap.sendall(b"a1 NOOP\r\n")
    imap.settimeout(10)
    check(imap.recv(512).startswith(b"a1 OK"), "the IMAP client, as silent, is still logged in")
    pop.close()
    imap.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtplab", required=True)
    args = parser.parse_args()
    names = ["smtp", "pop3", "imap", "pop3s", "imaps"]
    ports = {n: serve_helpers.free_port() for n in names}
    server = Serve(args.smtplab, ports, prefix="smtplab-retrieve-test-")
    try:
        up = server.wait_for(ports.values())
        check(up, "server listens on SMTP, POP3, IMAP, POP3S and IMAPS")
        if up:
            deliver(ports["smtp"], "one", "first\r\n")
            # A line starting with "." is dot-stuffed on the wire both ways (RFC 5321
            # §4.5.2, RFC 1939 §3); the Maildir holds it once.
            deliver(ports["smtp"], "two", "second\r\n.leading dot\r\n..two dots\r\n")
            deliver(ports["smtp"], "three", "third\r\n")
            check(len(wait_for_files(server.data, "bob", 3)) == 3, "3 messages in bob's Maildir/new")
            for step in (pop3_checks, imap_checks, idle_checks, curl_checks, autologout_checks):
                try:
                    step(server.data, ports)
                except Exception as e:  # a client error is a failed check; go on
                    check(False, "%s: unexpected %s: %s" % (step.__name__, type(e).__name__, e))
            try:
                maildir_reader_checks(server.data)
            except Exception as e:
                check(False, "maildir readers: unexpected %s: %s" % (type(e).__name__, e))
            jsonl = open(os.path.join(server.data, "trace.jsonl")).read()
            check('"pop3"' in jsonl and '"imap"' in jsonl, "the JSON-lines trace has POP3 and IMAP events")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
