#!/usr/bin/env python3
"""tests/net/sigkill_test.py — no message that got 250 is lost when `smtplab serve` is
killed with SIGKILL (issue 6, "How it will be checked", bullet 2).

RFC 5321 §6.1: once the server has said 250 to end of data "it MUST NOT lose the
message for frivolous reasons, such as because the host later crashes". smtplab's
DirectoryQueue writes, fsyncs and renames the message before the 250; this test checks
that promise from the outside:

1. start `smtplab serve` on a temporary data folder;
2. SENDERS threads send TOTAL messages in all over the SMTP port (python smtplib, one
   connection each, several messages a connection) to bob@lab.example, each message
   numbered by an X-Test-Seq header; every number that got 250 is recorded;
3. once KILL_AFTER messages were acknowledged, the server gets SIGKILL (no chance to
   clean up); the senders see their connection drop and, after a restart, go on with
   their next number (the message that was in flight got no 250, so it is not counted:
   it may or may not arrive, and is never sent twice);
4. serve is restarted on the same data folder and ports, recovers its queue, and the
   senders finish;
5. we wait until the queue directories are empty and the Maildir stops growing, then
   check: every acknowledged number is in bob's Maildir; none appears three times or
   more; numbers that were never sent do not appear.

Duplicates: a message delivered to the Maildir whose queue file was not yet removed
when the kill came is delivered again after the restart. RFC 5321 §6.1 accepts this
("duplicates are preferable to lost messages" is the spirit of §6.1 and §4.5.4.1's
retry): the test ALLOWS a number to appear twice, reports how many did, and fails at
three copies (one crash can repeat a delivery only once).

Usage: sigkill_test.py --smtplab PATH   (exit 0: passed; 1: failed). Under ~60 s.
"""
import argparse
import os
import re
import shutil
import signal
import smtplib
import sys
import tempfile
import threading
import time

from serve_helpers import free_port, maildir_files, start_serve, wait_for_port

TOTAL = 1000
SENDERS = 4
KILL_AFTER = 400       # acknowledged messages before the SIGKILL
DRAIN_SECONDS = 40     # how long the restarted server gets to empty its queue
SEQ = re.compile(rb"^X-Test-Seq: (\d+)\r?$", re.MULTILINE)


class Sender(threading.Thread):
    """Sends the numbers first, first + SENDERS, ... below TOTAL; records the acks."""

    def __init__(self, first, port, state):
        super().__init__(daemon=True)
        self.numbers = list(range(first, TOTAL, SENDERS))
        self.port = port
        self.state = state

    def run(self):
        conn = None
        index = 0
        while index < len(self.numbers) and not self.state["stop"]:
            n = self.numbers[index]
            try:
                if conn is None:
                    conn = smtplib.SMTP("127.0.0.1", self.port, local_hostname="client.test", timeout=10)
                body = ("From: <sender@client.test>\r\nTo: <bob@lab.example>\r\nSubject: message %d\r\n"
                        "X-Test-Seq: %d\r\n\r\nbody of message %d\r\n" % (n, n, n))
                refused = conn.sendmail("sender@client.test", ["bob@lab.example"], body)
                if not refused:  # sendmail raises unless the 250 to end of data came
                    with self.state["lock"]:
                        self.state["acked"].add(n)
                index += 1
            except (OSError, smtplib.SMTPException):
                # The server went away (or said 4yz while shutting down): the message in
                # flight got no 250; it is the client's, and we do not send it again.
                with self.state["lock"]:
                    self.state["unacked"].add(n)
                index += 1
                try:
                    if conn is not None:
                        conn.close()
                except Exception:
                    pass
                conn = None
                # Wait for a server (the restart) before the next message.
                while not self.state["stop"] and not wait_for_port(self.port, time.time() + 1):
                    pass
        try:
            if conn is not None:
                conn.quit()
        except Exception:
            pass


def queue_files(data):
    out = []
    root = os.path.join(data, "queue")
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) == "msg":
            out += files
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtplab", required=True)
    args = parser.parse_args()
    started = time.time()

    data = tempfile.mkdtemp(prefix="smtplab-sigkill-test-")
    ports = {"smtp": free_port()}
    log_path = os.path.join(data, "serve.log")
    log = open(log_path, "w")
    failures = []

    def check(condition, what):
        print(("ok   " if condition else "FAIL ") + what, flush=True)
        if not condition:
            failures.append(what)

    server = start_serve(args.smtplab, data, ports, log)
    state = {"lock": threading.Lock(), "acked": set(), "unacked": set(), "stop": False}
    senders = []
    try:
        if not wait_for_port(ports["smtp"], time.time() + 30):
            check(False, "serve listens on its SMTP port")
            return 1
        senders = [Sender(i, ports["smtp"], state) for i in range(SENDERS)]
        for s in senders:
            s.start()
        # 3. SIGKILL mid-stream, once KILL_AFTER messages were acknowledged.
        deadline = time.time() + 40
        while time.time() < deadline:
            with state["lock"]:
                if len(state["acked"]) >= KILL_AFTER:
                    break
            time.sleep(0.005)
        with state["lock"]:
            acked_at_kill = len(state["acked"])
        server.send_signal(signal.SIGKILL)
        server.wait()
        check(acked_at_kill >= KILL_AFTER, "%d messages acknowledged before the SIGKILL" % acked_at_kill)
        print("killed with %d message files in the queue directories" % len(queue_files(data)), flush=True)

        # 4. Restart on the same folder and ports; the senders resume on their own.
        server = start_serve(args.smtplab, data, ports, log)
        check(wait_for_port(ports["smtp"], time.time() + 30), "serve restarts on the same data folder")
        for s in senders:
            s.join(timeout=max(1.0, 50 - (time.time() - started)))
        state["stop"] = True
        check(not any(s.is_alive() for s in senders), "the senders finished")

        # 5. Wait for the queue to drain and the Maildir to settle.
        deadline = time.time() + DRAIN_SECONDS
        last_count, stable_since = -1, time.time()
        while time.time() < deadline:
            count = len(maildir_files(data, "bob"))
            if count != last_count:
                last_count, stable_since = count, time.time()
            if not queue_files(data) and time.time() - stable_since > 0.5:
                break
            time.sleep(0.1)
        check(not queue_files(data), "the queue drained (%d files left)" % len(queue_files(data)))

        seen = {}
        for path in maildir_files(data, "bob"):
            with open(path, "rb") as f:
                match = SEQ.search(f.read())
            if match:
                n = int(match.group(1))
                seen[n] = seen.get(n, 0) + 1
        acked, unacked = state["acked"], state["unacked"]
        missing = sorted(acked - set(seen))
        duplicates = sorted(n for n, c in seen.items() if c == 2)
        triples = sorted(n for n, c in seen.items() if c > 2)
        strangers = sorted(set(seen) - set(range(TOTAL)))
        print("sent %d, acknowledged %d, unacknowledged %d (arrived anyway: %d), in the Maildir %d distinct"
              % (len(acked) + len(unacked), len(acked), len(unacked), len(unacked & set(seen)), len(seen)))
        check(len(acked) + len(unacked) == TOTAL, "all %d messages were attempted" % TOTAL)
        check(len(acked) > KILL_AFTER, "messages were acknowledged after the restart too")
        check(not missing, "every acknowledged message is in the Maildir (missing: %s)" % missing[:20])
        print("duplicates (allowed, RFC 5321 §6.1: the crash came between delivery and queue removal): %d %s"
              % (len(duplicates), duplicates[:20]))
        check(not triples, "no message was delivered three times or more (%s)" % triples[:20])
        check(not strangers, "no message that was never sent (%s)" % strangers[:20])
        check(time.time() - started < 90, "the test took %.1f s" % (time.time() - started))
    finally:
        state["stop"] = True
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except Exception:
                server.kill()
                server.wait()
        log.close()
        if failures:
            print("--- last lines of the server's output (%s) ---" % log_path)
            print("".join(open(log_path, errors="replace").readlines()[-30:]))
        else:
            shutil.rmtree(data, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
