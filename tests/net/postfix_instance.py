#!/usr/bin/env python3
"""tests/net/postfix_instance.py — a private, throw-away Postfix instance on 127.0.0.1.

Purpose: give the tests and the benchmark a real, independent SMTP server (Debian package
postfix) without touching the system's /etc/postfix, its queue or its processes.

Standards: RFC 5321 (Postfix's smtpd is the peer under test). Postfix itself is documented
in postconf(5), master(5) and postfix(1); the settings below cite those pages.

API (library):
    with PostfixInstance(mode="maildir", domain="postfix.test") as pf:
        pf.port          # the smtpd port on 127.0.0.1
        pf.maildir_messages()   # files in the (single, shared) Maildir/new, mode "maildir"
        pf.queue_listing()      # `postqueue -c DIR -p`
    PostfixInstance.unavailable_reason() -> str or None  (why this machine cannot run one)
API (command line, for shell scripts):
    postfix_instance.py start --mode discard|maildir --domain D --port N --dir DIR
    postfix_instance.py stop --dir DIR

Everything lives under one temporary folder: config/ (main.cf, master.cf), queue/, data/,
mail/ (mode "maildir") and maillog (Postfix's own log, so no syslog daemon is needed).
Modes: "maildir" delivers every recipient of the domain to one Maildir through virtual(8);
"discard" accepts every recipient of the domain, queues it (fsynced, as always) and throws
it away through discard(8) — the load the smtp-source benchmark compares us with.

Not implemented: TLS for the instance (Postfix then does not offer STARTTLS, and `smtplab
send` without --starttls does not ask for it), more than one Maildir, IPv6.
"""
import argparse
import os
import pwd
import grp
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"

# How long we wait for Postfix to start listening or to stop, in seconds. Our choice: a
# loaded shared CI machine starts master and its first smtpd well within this.
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15

# master.cf (master(5)): one service per line — name, type, private, unprivileged, chroot,
# wakeup, maxproc, command. Chroot is "n" everywhere: a chroot needs copies of /etc files in
# the queue directory, which a throw-away instance does not have. Only the services this
# instance uses are listed; {port} is the smtpd listener.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
virtual   unix  - n n -    - virtual
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

# main.cf (postconf(5)). Directories are the instance's own, so nothing under /etc/postfix
# or /var/spool/postfix is read or written (meta_directory still points at the package's
# postfix-files, which only describes the queue layout).
MAIN_CF_COMMON = """\
compatibility_level = 3.6
config_directory = {dir}/config
queue_directory = {dir}/queue
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.{domain}
mydomain = {domain}
myorigin = $mydomain
# Loopback is not trusted for relaying: only mail for {domain} is accepted (RFC 5321
# §3.6.2 relaying is refused with 554 5.7.1, which the tests check).
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_banner = $myhostname ESMTP Postfix (smtplab test instance)
# Postfix's own log file through postlogd (Postfix >= 3.4): no syslog daemon in containers.
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
alias_maps =
alias_database =
biff = no
relayhost =
# Nothing leaves this instance: mail for other domains is refused by smtpd (relay denied)
# and anything that reached the queue anyway would bounce instead of being sent.
default_transport = error:this test instance does not relay
"""

MAIN_CF_MAILDIR = """\
# virtual(8) delivers every local part of {domain} to one Maildir (the trailing "/" of the
# static map's value means Maildir, postconf(5) virtual_mailbox_maps), owned by mail_owner.
mydestination =
virtual_mailbox_domains = {domain}
virtual_mailbox_base = {dir}/mail
virtual_mailbox_maps = static:Maildir/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_minimum_uid = 1
"""

MAIN_CF_DISCARD = """\
# The benchmark's sink: every local part of {domain} is accepted (empty
# local_recipient_maps), queued as usual (cleanup(8) fsyncs the queue file before smtpd
# replies 250) and then thrown away by discard(8).
mydestination = {domain}
local_recipient_maps =
local_transport = discard:benchmark sink
default_transport = discard:benchmark sink
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _instance_pids(directory):
    """Processes started for this instance: their environment names our config directory.

    Postfix passes MAIL_CONFIG to every daemon master starts; reading /proc/PID/environ
    needs root, which running Postfix needs anyway."""
    marker = ("MAIL_CONFIG=" + os.path.join(directory, "config")).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


class PostfixInstance:
    def __init__(self, mode="maildir", domain="postfix.test", port=None, directory=None):
        if mode not in ("maildir", "discard"):
            raise ValueError("mode must be maildir or discard")
        self.mode = mode
        self.domain = domain
        self.port = port or free_port()
        self.dir = directory or tempfile.mkdtemp(prefix="smtplab-postfix-")
        self.own_dir = directory is None
        self.env = dict(os.environ, MAIL_CONFIG=os.path.join(self.dir, "config"))

    @staticmethod
    def unavailable_reason():
        """Why this machine cannot run a private instance, or None when it can."""
        if not os.path.exists(POSTFIX):
            return "postfix is not installed (scripts/setup.sh installs it)"
        if os.geteuid() != 0:
            return "running Postfix needs root (master starts daemons as mail_owner)"
        try:
            pwd.getpwnam("postfix")
            grp.getgrnam("postdrop")
        except KeyError:
            return "the postfix user or the postdrop group is missing"
        return None

    def _postfix(self, *args, check=True):
        r = subprocess.run([POSTFIX, "-c", os.path.join(self.dir, "config")] + list(args),
                           env=self.env, capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError("postfix %s failed (%d): %s%s\n%s" % (" ".join(args), r.returncode,
                               r.stdout, r.stderr, self.log_tail()))
        return r

    def write_config(self):
        owner = pwd.getpwnam("postfix")
        values = dict(dir=self.dir, domain=self.domain, port=self.port, uid=owner.pw_uid, gid=owner.pw_gid)
        config = os.path.join(self.dir, "config")
        os.makedirs(config, exist_ok=True)
        # Postfix refuses a queue or data directory another user could write into; both
        # are created by `postfix check` with the right owners (postfix-files).
        for sub in ("queue", "data"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        os.chmod(self.dir, 0o755)
        # master(8) takes its lock in data_directory as mail_owner (postconf(5)).
        os.chown(os.path.join(self.dir, "data"), owner.pw_uid, owner.pw_gid)
        main = MAIN_CF_COMMON + (MAIN_CF_MAILDIR if self.mode == "maildir" else MAIN_CF_DISCARD)
        with open(os.path.join(config, "main.cf"), "w") as f:
            f.write(main.format(**values))
        with open(os.path.join(config, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(**values))
        if self.mode == "maildir":
            mail = os.path.join(self.dir, "mail")
            os.makedirs(mail, exist_ok=True)
            os.chown(mail, owner.pw_uid, owner.pw_gid)
        open(os.path.join(self.dir, "maillog"), "a").close()

    def start(self):
        self.write_config()
        # `postfix start` runs the same integrity checks as `postfix check` first (and
        # creates the queue's subdirectories); calling both would double a slow step.
        self._postfix("start")
        if not wait_for_port(self.port, START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("postfix did not listen on 127.0.0.1:%d\n%s" % (self.port, self.log_tail()))
        return self

    def stop(self):
        """Stops master and every daemon of this instance; waits until none is left."""
        self._postfix("stop", check=False)
        deadline = time.time() + STOP_TIMEOUT_S
        while _instance_pids(self.dir) and time.time() < deadline:
            time.sleep(0.1)
        for pid in _instance_pids(self.dir):  # stragglers after STOP_TIMEOUT_S
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self):
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def maildir_messages(self):
        new = os.path.join(self.dir, "mail", "Maildir", "new")
        return sorted(os.path.join(new, n) for n in os.listdir(new)) if os.path.isdir(new) else []

    def queue_listing(self):
        r = subprocess.run([POSTQUEUE, "-c", os.path.join(self.dir, "config"), "-p"],
                           env=self.env, capture_output=True, text=True, timeout=30)
        return r.stdout + r.stderr

    def log_tail(self, lines=30):
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main():
    parser = argparse.ArgumentParser(description="A private Postfix instance on 127.0.0.1")
    sub = parser.add_subparsers(dest="action", required=True)
    start = sub.add_parser("start")
    start.add_argument("--mode", choices=("maildir", "discard"), default="maildir")
    start.add_argument("--domain", default="postfix.test")
    start.add_argument("--port", type=int, default=0)
    start.add_argument("--dir", required=True)
    stop = sub.add_parser("stop")
    stop.add_argument("--dir", required=True)
    args = parser.parse_args()
    reason = PostfixInstance.unavailable_reason()
    if reason:
        print("postfix_instance: " + reason, file=sys.stderr)
        return 77
    if args.action == "start":
        pf = PostfixInstance(args.mode, args.domain, args.port or None, args.dir)
        pf.start()
        print(pf.port)
    else:
        PostfixInstance(directory=args.dir).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
