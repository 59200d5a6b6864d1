#!/usr/bin/env python3
"""bench/smtp_source_bench.py — `smtplab serve` and Postfix's smtpd under the same
smtp-source load, in one run: messages/second for both and their ratio.

Standards: RFC 5321 §4.5.3.1 (no protocol limit is approached: 1 KiB messages, one
recipient), RFC 5321 §6.1 (a server that replied 250 is responsible for the message: both
servers fsync the message before that reply — smtplab's directory queue fsyncs the file and
its directory, Postfix's cleanup(8) fsyncs its queue file).

What runs (all on 127.0.0.1, as root, Debian 12 packages):
  - load: `smtp-source -c -l 1024 -m N -s 20 -f bench@client.example -t alice@lab.example
    127.0.0.1:PORT` (Postfix's own load generator, package postfix): N messages, 20
    sessions at once, one connection per message, 1 KiB each;
  - smtplab: `smtplab serve` on a fresh data folder (SMTP port only), with its
    trace written to /dev/null (the trace is formatted as always), accepting for the demo
    user alice of lab.example and delivering to the Maildir;
  - Postfix: a private instance (tests/net/postfix_instance.py, mode "discard"): mail for
    lab.example is queued (fsynced) and then thrown away by discard(8).
The time is smtp-source's wall time: from its start until the last 250 and QUIT.
Each round measures smtplab then Postfix; the best of the rounds is reported with the spread
(the machine may be shared: the best is the least disturbed run).

Usage: bench/smtp_source_bench.py [--smtplab PATH] [-m N] [-s SESSIONS] [-l BYTES] [--rounds R]
Exit: 0 figures printed; 1 a run failed (a message was refused or lost); 77 cannot run here.

Not implemented: TLS or AUTH under load (smtp-source speaks plain SMTP), a Postfix that
delivers to a Maildir (discard is the cheaper sink, which only favours Postfix).
"""
import argparse
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "net"))
from postfix_instance import PostfixInstance, free_port, wait_for_port  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
RECIPIENT = "alice@lab.example"  # a demo user of `smtplab serve` (cli/serve_command.cpp)
SENDER = "bench@client.example"

# Our choice: one smtp-source run of 2,000 messages takes seconds; a run that has not
# finished in this time is stuck and counts as a failure.
RUN_TIMEOUT_S = 600


def run_load(port, messages, sessions, length):
    start = time.monotonic()
    r = subprocess.run([SMTP_SOURCE, "-c", "-l", str(length), "-m", str(messages), "-s", str(sessions),
                        "-f", SENDER, "-t", RECIPIENT, "127.0.0.1:%d" % port],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S)
    seconds = time.monotonic() - start
    if r.returncode != 0 or r.stderr.strip():
        raise RuntimeError("smtp-source failed (rc %d): %s" % (r.returncode, r.stderr.strip()[:500]))
    return seconds


def maildir_count(data):
    return len(glob.glob(os.path.join(data, "maildir", "alice", "Maildir", "new", "*")))


def run_smtplab(smtplab, messages, sessions, length):
    """One fresh `smtplab serve`; returns smtp-source's seconds. Checks that every message
    reached alice's Maildir afterwards (none lost)."""
    data = tempfile.mkdtemp(prefix="smtplab-bench-")
    port = free_port()
    server = subprocess.Popen([smtplab, "serve", "--data", data, "--smtp-port", str(port),
                               "--submission-port", "0", "--smtps-port", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_port(port, 30):
            raise RuntimeError("smtplab serve did not listen on %d" % port)
        seconds = run_load(port, messages, sessions, length)
        deadline = time.time() + 60
        while maildir_count(data) < messages and time.time() < deadline:
            time.sleep(0.1)
        if maildir_count(data) != messages:
            raise RuntimeError("smtplab: %d of %d messages in the Maildir" % (maildir_count(data), messages))
        return seconds
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smtplab", default=os.path.join(HERE, "..", "build", "cli", "smtplab"))
    parser.add_argument("-m", "--messages", type=int, default=2000)
    parser.add_argument("-s", "--sessions", type=int, default=20)
    parser.add_argument("-l", "--length", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    reason = PostfixInstance.unavailable_reason()
    if reason or not os.path.exists(SMTP_SOURCE):
        print("cannot run: %s" % (reason or "smtp-source is missing (package postfix)"), file=sys.stderr)
        return 77
    if not os.access(args.smtplab, os.X_OK):
        print("cannot run: no smtplab at %s (build it, Release)" % args.smtplab, file=sys.stderr)
        return 77

    print("load: smtp-source -c -l %d -m %d -s %d, one connection per message, to %s"
          % (args.length, args.messages, args.sessions, RECIPIENT))
    smtplab_s, postfix_s = [], []
    postfix = PostfixInstance(mode="discard", domain="lab.example")
    postfix.start()
    try:
        for round_number in range(1, args.rounds + 1):
            smtplab_s.append(run_smtplab(args.smtplab, args.messages, args.sessions, args.length))
            postfix_s.append(run_load(postfix.port, args.messages, args.sessions, args.length))
            print("round %d: smtplab %.2f s (%.0f msg/s), postfix %.2f s (%.0f msg/s)"
                  % (round_number, smtplab_s[-1], args.messages / smtplab_s[-1],
                     postfix_s[-1], args.messages / postfix_s[-1]), flush=True)
    finally:
        postfix.stop()
        postfix.remove()

    def summary(name, runs):
        rates = sorted(args.messages / s for s in runs)
        print("%-8s best %6.0f msg/s   spread %.0f..%.0f msg/s over %d rounds"
              % (name, rates[-1], rates[0], rates[-1], len(rates)))
        return rates[-1]

    ours = summary("smtplab", smtplab_s)
    theirs = summary("postfix", postfix_s)
    print("ratio smtplab/postfix (best): %.2f" % (ours / theirs))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print("bench failed: %s" % e, file=sys.stderr)
        sys.exit(1)
