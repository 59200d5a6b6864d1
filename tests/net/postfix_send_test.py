#!/usr/bin/env python3
"""tests/net/postfix_send_test.py — `smtplab send` against a real Postfix smtpd on loopback.

Starts a private Postfix instance (tests/net/postfix_instance.py: its own config, queue and
Maildir under a temporary folder, never /etc/postfix) and checks that:
  1. `smtplab send` delivers a message: exit 0, Postfix's "250 2.0.0 Ok: queued as ID"
     reply appears in the printed session, Postfix's log says that queue ID was delivered
     (status=sent), and the Maildir file has our Subject, body and Postfix's Received field;
  2. a recipient Postfix will not relay for is refused (RFC 5321 §3.6.2, Postfix: 554 5.7.1
     Relay access denied) and `smtplab send` exits 1;
  3. `smtplab send --starttls` to a server that does not offer STARTTLS (Postfix without a
     certificate) fails (exit 1) instead of sending in plaintext (RFC 3207 §4.1 / RFC 8314).
Then the instance is stopped and no process of it is left.

Usage: postfix_send_test.py --smtplab PATH
Exit: 0 all passed; 1 a check failed; 77 skipped (postfix missing, not root), with the reason
printed — CTest shows it as "Skipped" (SKIP_RETURN_CODE 77 in tests/cli_tests.cmake).
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from postfix_instance import PostfixInstance, _instance_pids  # noqa: E402

SKIP = 77
DOMAIN = "postfix.test"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def wait_for(predicate, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def send(smtplab, port, to, *extra):
    return subprocess.run([smtplab, "send", "--server", "127.0.0.1:%d" % port, "--from", "alice@lab.example",
                           "--to", to, "--subject", "to postfix", "--body", "hello from smtplab send",
                           "--helo", "send.test", "--timeout-ms", "20000"] + list(extra),
                          capture_output=True, text=True, timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtplab", required=True)
    args = parser.parse_args()

    reason = PostfixInstance.unavailable_reason()
    if reason:
        print("SKIP: " + reason)
        return SKIP

    pf = PostfixInstance(mode="maildir", domain=DOMAIN)
    try:
        pf.start()
    except Exception as e:  # e.g. a container without the postfix user's rights
        print("SKIP: a private Postfix instance does not start here: %s" % e)
        pf.stop()
        pf.remove()
        return SKIP
    try:
        # 1. Delivery.
        r = send(args.smtplab, pf.port, "student@" + DOMAIN)
        print(r.stdout)
        check(r.returncode == 0, "smtplab send to Postfix exits 0 (rc %d %s)" % (r.returncode, r.stderr.strip()))
        check("accepted <student@%s>" % DOMAIN in r.stdout, "the recipient is reported accepted")
        queued = re.search(r"250 2\.0\.0 Ok: queued as ([0-9A-Za-z]+)", r.stdout)
        check(queued is not None, "Postfix's '250 2.0.0 Ok: queued as ID' reply is in smtplab send's output")
        if queued:
            qid = queued.group(1)
            sent = wait_for(lambda: re.search(r"%s: to=<student@%s>.*status=sent" % (qid, DOMAIN), pf.log_tail(200)))
            check(sent is not None, "Postfix's log: queue ID %s delivered (status=sent)" % qid)
        found = wait_for(pf.maildir_messages)
        check(len(found) == 1, "one message in the instance's Maildir/new (%d)" % len(found))
        if found:
            text = open(found[0], "rb").read().decode(errors="replace")
            check("Subject: to postfix" in text, "the Subject arrived")
            check("hello from smtplab send" in text, "the body arrived")
            check(re.search(r"Received: from send\.test \(localhost \[127\.0\.0\.1\]\)", text) is not None,
                  "Postfix's Received field names our EHLO and 127.0.0.1")

        # 2. Relaying is refused.
        r = send(args.smtplab, pf.port, "someone@elsewhere.test")
        check(r.returncode == 1, "a refused recipient: smtplab send exits 1 (rc %d)" % r.returncode)
        check("refused  <someone@elsewhere.test>" in r.stdout and "554 5.7.1" in r.stdout,
              "Postfix refuses relaying with 554 5.7.1 and smtplab send says so")

        # 3. --starttls when STARTTLS is not offered.
        r = send(args.smtplab, pf.port, "student@" + DOMAIN, "--starttls")
        check(r.returncode != 0, "--starttls to a server without STARTTLS fails (rc %d)" % r.returncode)
        check(len(pf.maildir_messages()) == 1, "and nothing more was delivered in plaintext")
    except Exception as e:
        check(False, "unexpected %s: %s" % (type(e).__name__, e))
    finally:
        pf.stop()
        check(not _instance_pids(pf.dir), "no process of the instance is left after stop")
        if failures:
            print("--- Postfix's log (%s/maillog) ---" % pf.dir)
            print(pf.log_tail(40))
        else:
            pf.remove()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
