#!/usr/bin/env python3
"""tests/net/serve_test.py — `smtplab serve` against real clients on loopback.

Starts the server on free ports in a temporary folder, then checks: smtplib with
STARTTLS + AUTH PLAIN and LOGIN delivers (Maildir, Received header); curl smtp:// with
--ssl-reqd; swaks when installed; AUTH in plaintext gets 538; a wrong password 535;
STARTTLS\\r\\nRSET\\r\\n in one packet gets no reply to RSET after the handshake (RFC 3207
§4.2, CVE-2011-0411); garbage instead of a ClientHello closes only that connection;
200 idle connections all time out (421) while a normal client is served; `smtplab send`
delivers through the server and to a Python aiosmtpd server (when python3-aiosmtpd is
installed); SIGTERM stops the server with exit status 0.

Usage: serve_test.py --smtplab PATH   (exit 0: all passed; 1: a check failed)
Binds to 127.0.0.1 only; always stops the server it started.
"""
import argparse
import base64
import glob
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from serve_helpers import free_port, wait_for_port  # shared with sigkill_test.py

IDLE_TIMEOUT_MS = 2000
PASSWORD = {"alice": "alice-demo-password", "bob": "bob-demo-password"}
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def read_reply(sock):
    """Reads one (possibly multi-line) SMTP reply; returns its text ('' on EOF)."""
    data = b""
    while True:
        chunk = sock.recv(1)
        if not chunk:
            return data.decode(errors="replace")
        data += chunk
        if data.endswith(b"\r\n"):
            last = data.split(b"\r\n")[-2]
            if len(last) < 4 or last[3:4] != b"-":
                return data.decode(errors="replace")


def maildir_messages(data, user):
    return sorted(glob.glob(os.path.join(data, "maildir", user, "Maildir", "new", "*")))


def wait_for_messages(data, user, count, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = maildir_messages(data, user)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return maildir_messages(data, user)


def tls_context(data):
    ctx = ssl.create_default_context(cafile=os.path.join(data, "tls", "ca.pem"))
    ctx.check_hostname = True
    return ctx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtplab", required=True)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="smtplab-net-test-")
    smtp_port, sub_port, smtps_port = free_port(), free_port(), free_port()
    log_path = os.path.join(data, "serve.log")
    log = open(log_path, "w")
    server = subprocess.Popen(
        [args.smtplab, "serve", "--data", data, "--smtp-port", str(smtp_port),
         "--submission-port", str(sub_port), "--smtps-port", str(smtps_port),
         "--idle-timeout-ms", str(IDLE_TIMEOUT_MS), "--trace-jsonl", os.path.join(data, "trace.jsonl")],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        up = all(wait_for_port(p, deadline) for p in (smtp_port, sub_port, smtps_port))
        check(up, "server listens on its three ports")
        if not up:
            return
        # The certificate names lab.example (and localhost); the client connects to
        # 127.0.0.1, so the name checked is given as server_hostname.
        ctx = tls_context(data)

        # 1. smtplib, STARTTLS + AUTH PLAIN on the submission port.
        with smtplib.SMTP("127.0.0.1", sub_port, local_hostname="client.test", timeout=10) as s:
            s.ehlo()
            s._host = "lab.example"  # the name smtplib checks the certificate against
            s.starttls(context=ctx)
            s.ehlo()
            s.user, s.password = "alice", PASSWORD["alice"]
            code, _ = s.auth("PLAIN", s.auth_plain)
            check(code == 235, "smtplib AUTH PLAIN after STARTTLS: 235")
            s.sendmail("alice@lab.example", ["bob@lab.example"], "Subject: plain\r\n\r\nvia PLAIN\r\n")
        found = wait_for_messages(data, "bob", 1)
        check(len(found) == 1, "the message is in bob's Maildir/new")
        if found:
            text = open(found[0], "rb").read().decode(errors="replace")
            lines = text.replace("\r\n", "\n").split("\n")
            # The MDA adds Return-Path (RFC 5321 §4.4) above the MTA's Received field.
            check(lines[0].startswith("Return-Path: <alice@lab.example>"), "Return-Path first: " + lines[0])
            check(lines[1].startswith("Received: from client.test"), "then our Received field: " + lines[1][:60])
            check("by lab.example" in text and "ESMTPSA" in text,
                  "Received says 'by lab.example' and ESMTPSA (TLS + AUTH, RFC 3848)")
            check("via PLAIN" in text, "the body arrived")

        # 2. AUTH LOGIN.
        with smtplib.SMTP("127.0.0.1", sub_port, local_hostname="client.test", timeout=10) as s:
            s._host = "lab.example"
            s.starttls(context=ctx)
            s.ehlo()
            s.user, s.password = "alice", PASSWORD["alice"]
            code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
            check(code == 235, "smtplib AUTH LOGIN after STARTTLS: 235")
            s.sendmail("alice@lab.example", ["bob@lab.example"], "Subject: login\r\n\r\nvia LOGIN\r\n")
        check(len(wait_for_messages(data, "bob", 2)) == 2, "the LOGIN message is delivered too")

        # 3. Implicit TLS (RFC 8314) with smtplib.SMTP_SSL.
        # The demo certificate also names localhost, which SMTP_SSL checks at connect.
        with smtplib.SMTP_SSL("localhost", smtps_port, local_hostname="client.test", timeout=10, context=ctx) as s:
            check(s.noop()[0] == 250, "smtplib.SMTP_SSL on the implicit-TLS port: NOOP 250")
    except ssl.SSLCertVerificationError as e:
        check(False, "certificate verification: %s" % e)
    except Exception as e:  # a client error is a failed check, and the server must still stop
        check(False, "unexpected %s: %s" % (type(e).__name__, e))
    finally:
        pass
    try:
        more_checks(data, smtp_port, sub_port, smtps_port)
        send_checks(args.smtplab, data, sub_port)
    except Exception as e:
        check(False, "unexpected %s: %s" % (type(e).__name__, e))
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                rc = server.wait(timeout=10)
                check(rc == 0, "SIGTERM stops the server with exit status 0 (got %s)" % rc)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                check(False, "the server stops within 10 s of SIGTERM")
        else:
            check(False, "the server was still running at the end (exit %s)" % server.returncode)
        log.close()
        if failures:
            print("--- last lines of the server's trace (%s) ---" % log_path)
            print("".join(open(log_path, errors="replace").readlines()[-40:]))
        else:
            shutil.rmtree(data, ignore_errors=True)


def more_checks(data, smtp_port, sub_port, smtps_port):
    ctx = tls_context(data)
    plain = base64.b64encode(b"\0alice\0" + PASSWORD["alice"].encode()).decode()

    # 4. AUTH in plaintext is refused: RFC 4954 §4 / our default, 538 5.7.11.
    with socket.create_connection(("127.0.0.1", smtp_port), timeout=10) as s:
        read_reply(s)
        s.sendall(b"EHLO client.test\r\n")
        ehlo = read_reply(s)
        check("AUTH" not in ehlo, "no AUTH advertised before TLS")
        s.sendall(("AUTH PLAIN " + plain + "\r\n").encode())
        check(read_reply(s).startswith("538"), "AUTH PLAIN in plaintext: 538")

    # 5. A wrong password: 535 5.7.8.
    with smtplib.SMTP("127.0.0.1", sub_port, local_hostname="client.test", timeout=10) as s:
        s._host = "lab.example"
        s.starttls(context=ctx)
        s.ehlo()
        try:
            s.login("alice", "not-the-password")
            check(False, "a wrong password is refused")
        except smtplib.SMTPAuthenticationError as e:
            check(e.smtp_code == 535, "wrong password: 535 (got %s)" % e.smtp_code)

    # 6. STARTTLS\r\nRSET\r\n in one packet: the RSET is plaintext the server must discard
    # (RFC 3207 §4.2 / CVE-2011-0411). After the handshake the first reply must answer our
    # MAIL (503: no EHLO since the reset), not the injected RSET (250).
    with socket.create_connection(("127.0.0.1", smtp_port), timeout=10) as raw:
        read_reply(raw)
        raw.sendall(b"EHLO client.test\r\n")
        read_reply(raw)
        raw.sendall(b"STARTTLS\r\nRSET\r\n")
        check(read_reply(raw).startswith("220"), "STARTTLS: 220")
        tls = ctx.wrap_socket(raw, server_hostname="lab.example")
        tls.sendall(b"MAIL FROM:<alice@lab.example>\r\n")
        first = read_reply(tls)
        check(first.startswith("503"), "no reply to the injected RSET; MAIL before EHLO gets 503 (got %r)" % first)
        tls.close()

    # 7. Garbage instead of a ClientHello on the implicit-TLS port: that connection is
    # closed, and the server serves the next client.
    with socket.create_connection(("127.0.0.1", smtps_port), timeout=5) as raw:
        raw.sendall(b"EHLO this is not TLS\r\n" * 4)
        try:
            closed = raw.recv(4096) == b"" or raw.recv(4096) == b""
        except (ConnectionResetError, socket.timeout):
            closed = True
        check(closed, "garbage ClientHello: connection closed")
    with smtplib.SMTP_SSL("localhost", smtps_port, local_hostname="client.test", timeout=10,
                          context=ctx) as s:
        s.login("bob", PASSWORD["bob"])
        s.sendmail("bob@lab.example", ["alice@lab.example"], "Subject: after garbage\r\n\r\nstill serving\r\n")
    check(len(wait_for_messages(data, "alice", 1)) == 1, "after the garbage, implicit TLS still delivers")

    # 8. curl smtp:// --ssl-reqd with --user (STARTTLS + AUTH), if curl is installed.
    if shutil.which("curl"):
        message = os.path.join(data, "curl-message.txt")
        with open(message, "w") as f:
            f.write("From: alice@lab.example\r\nTo: bob@lab.example\r\nSubject: curl\r\n\r\nvia curl\r\n")
        before = len(maildir_messages(data, "bob"))
        r = subprocess.run(["curl", "--silent", "--show-error", "--ssl-reqd",
                            "--url", "smtp://lab.example:%d" % sub_port,
                            "--resolve", "lab.example:%d:127.0.0.1" % sub_port,
                            "--cacert", os.path.join(data, "tls", "ca.pem"),
                            "--user", "alice:" + PASSWORD["alice"],
                            "--mail-from", "alice@lab.example", "--mail-rcpt", "bob@lab.example",
                            "--upload-file", message], capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "curl --ssl-reqd --user delivers (rc %d %s)" % (r.returncode, r.stderr.strip()))
        check(len(wait_for_messages(data, "bob", before + 1)) == before + 1, "curl's message is in the Maildir")
    else:
        print("skip curl: not installed (scripts/setup.sh installs it)")

    # 9. swaks, if installed.
    if shutil.which("swaks"):
        before = len(maildir_messages(data, "bob"))
        r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(sub_port), "--tls",
                            "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", PASSWORD["alice"],
                            "--from", "alice@lab.example", "--to", "bob@lab.example",
                            "--ehlo", "swaks.test", "--body", "via swaks"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "swaks --tls --auth LOGIN delivers (rc %d)" % r.returncode)
        check(len(wait_for_messages(data, "bob", before + 1)) == before + 1, "swaks's message is in the Maildir")
    else:
        print("skip swaks: not installed (scripts/setup.sh installs it)")

    # 10. 200 idle connections: all get 421 after the idle timeout and are closed, while a
    # normal client is served in the meantime.
    idle = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", smtp_port), timeout=IDLE_TIMEOUT_MS / 1000 + 10)
        idle.append(s)
    before = len(maildir_messages(data, "bob"))
    with smtplib.SMTP("127.0.0.1", smtp_port, local_hostname="client.test", timeout=10) as s:
        s.sendmail("carol@elsewhere.example", ["bob@lab.example"], "Subject: busy\r\n\r\nserved meanwhile\r\n")
    check(len(wait_for_messages(data, "bob", before + 1)) == before + 1,
          "a normal client is served while 200 connections sit idle")
    timed_out = 0
    for s in idle:
        text = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                text += chunk
        except OSError:
            pass
        if b"\r\n421" in text or text.startswith(b"421"):
            timed_out += 1
        s.close()
    check(timed_out == 200, "all 200 idle connections got 421 and were closed (%d did)" % timed_out)


def send_checks(smtplab, data, sub_port):
    # 11. smtplab send (our client on real TCP) through our server: STARTTLS + AUTH.
    before = len(maildir_messages(data, "bob"))
    r = subprocess.run([smtplab, "send", "--server", "127.0.0.1:%d" % sub_port, "--starttls",
                        "--cafile", os.path.join(data, "tls", "ca.pem"), "--server-name", "lab.example",
                        "--auth", "alice:" + PASSWORD["alice"], "--from", "alice@lab.example",
                        "--to", "bob@lab.example", "--subject", "send", "--body", "via smtplab send",
                        "--helo", "send.test"], capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "accepted <bob@lab.example>" in r.stdout,
          "smtplab send --starttls --auth delivers through smtplab serve (rc %d)" % r.returncode)
    check("AUTH PLAIN" in r.stdout and "ClientHello" in r.stdout, "smtplab send prints the wire and the handshake")
    check(len(wait_for_messages(data, "bob", before + 1)) == before + 1, "smtplab send's message is in the Maildir")

    # 12. smtplab send to a Python aiosmtpd server (Debian: python3-aiosmtpd), if present.
    system_python = "/usr/bin/python3"
    if not (os.path.exists(system_python) and
            subprocess.run([system_python, "-c", "import aiosmtpd"], capture_output=True).returncode == 0):
        print("skip aiosmtpd: python3-aiosmtpd is not installed (scripts/setup.sh installs it)")
        return
    port = free_port()
    # -u: unbuffered, so what the Debugging handler printed survives the SIGTERM below.
    sink = subprocess.Popen([system_python, "-u", "-m", "aiosmtpd", "-n", "-d", "-c", "aiosmtpd.handlers.Debugging",
                             "-l", "127.0.0.1:%d" % port], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        check(wait_for_port(port, time.time() + 15), "aiosmtpd listens")
        r = subprocess.run([smtplab, "send", "--server", "127.0.0.1:%d" % port, "--from", "alice@lab.example",
                            "--to", "someone@aiosmtpd.test", "--body", "to aiosmtpd"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "smtplab send delivers to aiosmtpd (rc %d)" % r.returncode)
    finally:
        sink.terminate()
        out, _ = sink.communicate(timeout=10)
    check("to aiosmtpd" in out, "aiosmtpd printed the message smtplab send gave it")


if __name__ == "__main__":
    main()
    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
