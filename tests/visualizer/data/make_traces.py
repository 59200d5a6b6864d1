#!/usr/bin/env python3
"""Writes the hand-made traces the visualizer tests use (until the scenario runner
produces real ones): lesson02_submission_relay.json, a MUA -> submission MTA (STARTTLS,
AUTH) -> DNS MX/A -> relay to the MX -> delivery, with one greylisted recipient; and
three broken copies for the error paths. Layout as trace::to_json (one event per line).

Run from this folder: python3 make_traces.py
"""
import base64
import json
import struct

T0 = 1700000000000
events = []
now = [T0]


def ev(kind, src, dst, summary, data=b"", fields=None, explain="", rfc="", conn=0, dt=5):
    now[0] += dt
    e = {"seq": len(events), "time_ms": now[0], "kind": kind, "src": src, "dst": dst,
         "conn": conn, "summary": summary}
    try:
        e["bytes"] = data.decode("utf-8")
    except UnicodeDecodeError:
        e["bytes_base64"] = base64.b64encode(data).decode()
    e["fields"] = dict(fields or {})
    e["explain"] = explain
    e["rfc"] = rfc
    events.append(e)


def state(host, conn, frm, to, trigger, rfc):
    ev("state_change", host, host, f"smtp_server: {frm} -> {to}",
       fields={"machine": "smtp_server", "from": frm, "to": to, "trigger": trigger},
       rfc=rfc, conn=conn, dt=0)


def cmd(src, dst, line, conn, verb):
    ev("smtp_command", src, dst, line, (line + "\r\n").encode(), {"verb": verb},
       "command." + verb, "RFC 5321 §4.1.1", conn)


def reply(src, dst, code, lines, conn, rfc="RFC 5321 §4.2"):
    wire = "".join(f"{code}{'-' if i < len(lines) - 1 else ' '}{l}\r\n" for i, l in enumerate(lines))
    summary = f"{code} {lines[0]}" + (f" (+{len(lines) - 1} lines)" if len(lines) > 1 else "")
    ev("smtp_reply", src, dst, summary, wire.encode(), {"code": str(code)}, f"reply.{code}", rfc, conn)


def dns_wire(qid, name, qtype, rdata=None):
    # RFC 1035 §4.1: header, question, and for a response one answer record.
    types = {"MX": 15, "A": 1}
    flags = 0x0100 if rdata is None else 0x8180
    out = struct.pack(">HHHHHH", qid, flags, 1, 0 if rdata is None else 1, 0, 0)
    out += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    out += struct.pack(">HH", types[qtype], 1)
    if rdata is not None:
        out += b"\xc0\x0c" + struct.pack(">HHIH", types[qtype], 1, 3600, len(rdata)) + rdata
    return out


A, S, NS, MX = "alice-laptop", "smtp.a.example", "ns", "mx.b.example"
message = ("From: Alice <alice@a.example>\r\nTo: Bob <bob@b.example>\r\nSubject: Lunch?\r\n"
           "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@alice-laptop.a.example>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Noon at the usual place?\r\n.. and bring the slides.\r\n")
queued = ("Received: from alice-laptop (alice-laptop [192.0.2.10])\r\n\tby smtp.a.example with ESMTPSA id Q1\r\n"
          "\tfor <bob@b.example>; Tue, 14 Nov 2023 22:13:20 +0000\r\n") + message
delivered = ("Return-Path: <alice@a.example>\r\nReceived: from smtp.a.example (smtp.a.example [192.0.2.25])\r\n"
             "\tby mx.b.example with ESMTPS id R7\r\n\tfor <bob@b.example>; Tue, 14 Nov 2023 22:13:21 +0000\r\n") + queued


def stuffed(text):
    # RFC 5321 §4.5.2: a line starting with "." gets one more; then CRLF.CRLF ends it.
    return ("\r\n" + text).replace("\r\n.", "\r\n..")[2:] + ".\r\n"


ev("note", A, A, "Alice sends 'Lunch?' to bob@b.example, with a Bcc to carol@b.example",
   explain="kind.note", rfc="RFC 5598 §1", dt=0)
ev("conn_open", A, S, "connect 192.0.2.25:587",
   fields={"from": "192.0.2.10", "to": "192.0.2.25", "port": "587", "result": "ok"},
   explain="kind.conn_open", rfc="RFC 6409 §3.1", conn=1)
state(S, 1, "connected", "greeted", "220 greeting", "RFC 5321 §3.1")
reply(S, A, 220, ["smtp.a.example ESMTP smtplab"], 1, "RFC 5321 §4.3.1")
cmd(A, S, "EHLO alice-laptop", 1, "EHLO")
state(S, 1, "greeted", "ready", "HELO/EHLO", "RFC 5321 §4.1.1.1")
reply(S, A, 250, ["smtp.a.example", "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
                  "STARTTLS"], 1, "RFC 5321 §4.1.1.1")
cmd(A, S, "STARTTLS", 1, "STARTTLS")
reply(S, A, 220, ["2.0.0 Ready to start TLS"], 1, "RFC 3207 §4")
ev("tls_step", A, S, "TLS ClientHello (SNI smtp.a.example)",
   bytes.fromhex("160301007a0100007603035f1a2b3c4d5e6f") + b"\x00" * 8 + b"smtp.a.example",
   {"message": "ClientHello", "sni": "smtp.a.example"}, "kind.tls_step", "RFC 5246 §7.4.1.2", 1)
ev("tls_step", S, A, "TLS ServerHello, Certificate, ServerHelloDone",
   bytes.fromhex("16030300510200004d0303") + b"\xa0" * 16,
   {"message": "ServerHello", "cipher": "ECDHE-RSA-AES128-GCM-SHA256"}, "kind.tls_step", "RFC 5246 §7.4.1.3", 1)
ev("tls_step", A, S, "TLS ClientKeyExchange, ChangeCipherSpec, Finished",
   bytes.fromhex("1603030046100000424104") + b"\x5a" * 16, {"message": "ClientKeyExchange"},
   "kind.tls_step", "RFC 5246 §7.4.7", 1)
ev("tls_step", S, A, "TLS ChangeCipherSpec, Finished", bytes.fromhex("140303000101160303002800") + b"\x77" * 12,
   {"message": "Finished"}, "kind.tls_step", "RFC 5246 §7.4.9", 1)
cmd(A, S, "EHLO alice-laptop", 1, "EHLO")
reply(S, A, 250, ["smtp.a.example", "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES",
                  "AUTH PLAIN LOGIN"], 1, "RFC 5321 §4.1.1.1")
ev("auth_step", A, S, "AUTH PLAIN ****", b"AUTH PLAIN AGFsaWNlAGNvcnJlY3QgaG9yc2U=\r\n",
   {"mechanism": "PLAIN", "user": "alice"}, "command.AUTH", "RFC 4954 §4", 1)
reply(S, A, 235, ["2.7.0 Authentication successful"], 1, "RFC 4954 §6")
cmd(A, S, "MAIL FROM:<alice@a.example> SIZE=%d" % len(message), 1, "MAIL")
state(S, 1, "ready", "mail_given", "MAIL", "RFC 5321 §4.1.1.2")
reply(S, A, 250, ["2.1.0 Sender OK"], 1)
cmd(A, S, "RCPT TO:<bob@b.example>", 1, "RCPT")
state(S, 1, "mail_given", "rcpt_given", "RCPT", "RFC 5321 §4.1.1.3")
reply(S, A, 250, ["2.1.5 Recipient OK"], 1)
cmd(A, S, "RCPT TO:<carol@b.example>", 1, "RCPT")
reply(S, A, 250, ["2.1.5 Recipient OK"], 1)
cmd(A, S, "DATA", 1, "DATA")
state(S, 1, "rcpt_given", "data", "DATA (354)", "RFC 5321 §4.1.1.4")
reply(S, A, 354, ["End data with <CR><LF>.<CR><LF>"], 1, "RFC 5321 §4.1.1.4")
wire1 = stuffed(message)
ev("smtp_command", A, S, "message content (%d bytes) and <CRLF>.<CRLF>" % len(wire1), wire1.encode(),
   {"verb": "content"}, "command.DATA", "RFC 5321 §4.5.2", 1)
state(S, 1, "data", "ready", "end of data", "RFC 5321 §4.1.1.4")
ev("policy_check", S, S, "relay allowed: alice authenticated",
   fields={"rule": "relay", "result": "pass", "user": "alice"}, explain="kind.policy_check",
   rfc="RFC 6409 §4.3", conn=1, dt=1)
ev("queue_change", S + "/queue", S + "/queue", "enqueue Q1: accepted from alice-laptop", queued.encode(),
   {"action": "enqueue", "queue_id": "Q1", "mail_from": "<alice@a.example>",
    "rcpt_to": "bob@b.example (pending), carol@b.example (pending)", "size": str(len(queued))},
   "kind.queue_change", "RFC 5321 §4.5.4.1", 0, 1)
reply(S, A, 250, ["2.0.0 Message accepted for delivery: queued as Q1"], 1, "RFC 5321 §4.1.1.4")
cmd(A, S, "QUIT", 1, "QUIT")
state(S, 1, "ready", "closing", "QUIT / 421", "RFC 5321 §4.1.1.10")
reply(S, A, 221, ["2.0.0 Bye"], 1, "RFC 5321 §4.1.1.10")
ev("conn_close", A, S, "close", fields={"reason": "closed"}, explain="kind.conn_close", rfc="RFC 5321 §3.8", conn=1)
ev("dns_query", S, NS, "DNS query MX? b.example", dns_wire(0x1a2b, "b.example", "MX"),
   {"id": "6699", "qname": "b.example", "qtype": "MX"}, "dns.MX", "RFC 5321 §5.1", 0, 20)
mx_rdata = struct.pack(">H", 10) + b"\x02mx\x01b\x07example\x00"
ev("dns_answer", NS, S, "MX 10 mx.b.example", dns_wire(0x1a2b, "b.example", "MX", mx_rdata),
   {"id": "6699", "rcode": "NOERROR", "type": "MX", "answer": "b.example. 3600 IN MX 10 mx.b.example."},
   "dns.MX", "RFC 1035 §3.3.9", 0, 2)
ev("dns_query", S, NS, "DNS query A? mx.b.example", dns_wire(0x1a2c, "mx.b.example", "A"),
   {"id": "6700", "qname": "mx.b.example", "qtype": "A"}, "dns.A", "RFC 5321 §5.1", 0, 1)
ev("dns_answer", NS, S, "A 198.51.100.25", dns_wire(0x1a2c, "mx.b.example", "A", bytes([198, 51, 100, 25])),
   {"id": "6700", "rcode": "NOERROR", "type": "A", "answer": "mx.b.example. 3600 IN A 198.51.100.25"},
   "dns.A", "RFC 1035 §3.4.1", 0, 2)
ev("conn_open", S, MX, "connect 198.51.100.25:25",
   fields={"from": "192.0.2.25", "to": "198.51.100.25", "port": "25", "result": "ok"},
   explain="kind.conn_open", rfc="RFC 5321 §3.1", conn=2)
state(MX, 2, "connected", "greeted", "220 greeting", "RFC 5321 §3.1")
reply(MX, S, 220, ["mx.b.example ESMTP smtplab"], 2, "RFC 5321 §4.3.1")
cmd(S, MX, "EHLO smtp.a.example", 2, "EHLO")
state(MX, 2, "greeted", "ready", "HELO/EHLO", "RFC 5321 §4.1.1.1")
reply(MX, S, 250, ["mx.b.example", "PIPELINING", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES"], 2,
      "RFC 5321 §4.1.1.1")
cmd(S, MX, "MAIL FROM:<alice@a.example> SIZE=%d" % len(queued), 2, "MAIL")
state(MX, 2, "ready", "mail_given", "MAIL", "RFC 5321 §4.1.1.2")
reply(MX, S, 250, ["2.1.0 Sender OK"], 2)
ev("policy_check", MX, MX, "SPF pass: 192.0.2.25 is allowed for a.example",
   fields={"rule": "spf", "result": "pass", "domain": "a.example", "ip": "192.0.2.25"},
   explain="kind.policy_check", rfc="RFC 7208 §2.6.1", conn=2, dt=1)
cmd(S, MX, "RCPT TO:<bob@b.example>", 2, "RCPT")
state(MX, 2, "mail_given", "rcpt_given", "RCPT", "RFC 5321 §4.1.1.3")
reply(MX, S, 250, ["2.1.5 Recipient OK"], 2)
cmd(S, MX, "RCPT TO:<carol@b.example>", 2, "RCPT")
reply(MX, S, 450, ["4.7.1 Greylisted, try again later"], 2, "RFC 6647 §2.1")
cmd(S, MX, "DATA", 2, "DATA")
state(MX, 2, "rcpt_given", "data", "DATA (354)", "RFC 5321 §4.1.1.4")
reply(MX, S, 354, ["End data with <CR><LF>.<CR><LF>"], 2, "RFC 5321 §4.1.1.4")
wire2 = stuffed(queued)
ev("smtp_command", S, MX, "message content (%d bytes) and <CRLF>.<CRLF>" % len(wire2), wire2.encode(),
   {"verb": "content"}, "command.DATA", "RFC 5321 §4.5.2", 2)
state(MX, 2, "data", "ready", "end of data", "RFC 5321 §4.1.1.4")
ev("delivery", MX, MX + "/mda", "deliver to bob@b.example: Maildir/new/1700000000.R7.mx", delivered.encode(),
   {"mailbox": "bob@b.example", "message_id": "R7", "mail_from": "<alice@a.example>", "rcpt_to": "bob@b.example",
    "folder": "INBOX"}, "kind.delivery", "RFC 5321 §4.4", 0, 1)
reply(MX, S, 250, ["2.0.0 Message accepted for delivery: queued as R7"], 2, "RFC 5321 §4.1.1.4")
cmd(S, MX, "QUIT", 2, "QUIT")
state(MX, 2, "ready", "closing", "QUIT / 421", "RFC 5321 §4.1.1.10")
reply(MX, S, 221, ["2.0.0 Bye"], 2, "RFC 5321 §4.1.1.10")
ev("conn_close", S, MX, "close", fields={"reason": "closed"}, explain="kind.conn_close", rfc="RFC 5321 §3.8", conn=2)
ev("queue_change", S + "/queue", S + "/queue", "defer Q1: retry in 300 s", b"",
   {"action": "defer", "queue_id": "Q1", "mail_from": "<alice@a.example>",
    "rcpt_to": "bob@b.example (delivered), carol@b.example (deferred)", "size": str(len(queued))},
   "kind.queue_change", "RFC 5321 §4.5.4.1", 0, 1)
ev("note", A, A, "expectation: mailbox bob@b.example has 1 message: ok", fields={"ok": "true"},
   explain="kind.note", rfc="RFC 5598 §1", dt=1)

doc = {"format": "smtplab-trace", "version": 1, "title": "Lesson 02  MUA > MTA > MDA",
       "source": "tests/visualizer/data/lesson02_submission_relay.json", "seed": 42,
       "hosts": [{"name": A, "address": "192.0.2.10", "role": "mua"},
                 {"name": S, "address": "192.0.2.25", "role": "mta"},
                 {"name": NS, "address": "203.0.113.53", "role": "dns"},
                 {"name": MX, "address": "198.51.100.25", "role": "mta"}],
       "events": events,
       "expectations": [{"description": "mailbox bob@b.example has 1 message", "ok": True, "detail": "found 1"},
                        {"description": "carol@b.example is deferred (greylisted)", "ok": True,
                         "detail": "450 4.7.1 on the first attempt"}]}
out = "{\n"
for k in ["format", "version", "title", "source", "seed"]:
    out += f'  "{k}": {json.dumps(doc[k], ensure_ascii=False)},\n'
for k in ["hosts", "events", "expectations"]:
    out += f'  "{k}": [\n' + ",\n".join("    " + json.dumps(x, ensure_ascii=False, separators=(",", ":"))
                                        for x in doc[k]) + "\n  ],\n"
out += '  "truncated": false\n}\n'
open("lesson02_submission_relay.json", "w").write(out)
open("bad_version.json", "w").write(out.replace('"version": 1', '"version": 2', 1))
open("truncated.json", "w").write(out[: len(out) // 2])
open("unknown_kind.json", "w").write(out.replace('"kind":"dns_query"', '"kind":"dns_lookup"', 1))
print(len(events), "events")
