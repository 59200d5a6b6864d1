#!/usr/bin/python3
"""Independent oracles for tests/mailauth/oracle_test.cpp: pyspf (python3-spf) and dkimpy
(python3-dkim), fed the same DNS records as smtplab (one a line: "name TYPE value" or
"name value" for TXT; TXT values unquoted, one string).

  oracle.py spf ZONE IP HELO MAILFROM        prints the pyspf result
  oracle.py dkim-verify ZONE MESSAGE          prints "pass" or "fail" (dkimpy)
  oracle.py dkim-sign KEY DOMAIN SELECTOR MESSAGE OUT   signs relaxed/relaxed
"""
import sys


def load_zone(path):
    zone = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(" ", 2)
        if len(parts) >= 3 and parts[1].upper() in ("A", "AAAA", "MX", "TXT", "PTR", "CNAME"):
            name, rtype, value = parts[0], parts[1].upper(), parts[2]
        else:
            name, rtype, value = parts[0], "TXT", line.split(" ", 1)[1]
        zone.setdefault(name.lower().rstrip("."), []).append((rtype, value))
    return zone


def spf_main(zone_path, ip, helo, mailfrom):
    import spf

    zone = load_zone(zone_path)

    def lookup(name, qtype, tcpfallback=True, timeout=30):
        out = []
        for rtype, value in zone.get(name.lower().rstrip("."), []):
            if rtype == "CNAME" and qtype != "CNAME":
                return lookup(value, qtype)
            if rtype != qtype:
                continue
            if rtype == "MX":
                pref, host = value.split(" ", 1)
                out.append(((name, qtype), (int(pref), host)))
            elif rtype == "TXT":
                out.append(((name, qtype), [value.encode()]))
            else:
                out.append(((name, qtype), value))
        return out

    spf.DNSLookup = lookup
    result, _explanation = spf.check2(i=ip, s=mailfrom, h=helo)
    print(result)


def dkim_verify_main(zone_path, message_path):
    import dkim

    zone = load_zone(zone_path)

    def get_txt(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        for rtype, value in zone.get(name.lower().rstrip("."), []):
            if rtype == "TXT":
                return value.encode()
        return None

    message = open(message_path, "rb").read()
    print("pass" if dkim.verify(message, dnsfunc=get_txt) else "fail")


def dkim_sign_main(key_path, domain, selector, message_path, out_path):
    import dkim

    message = open(message_path, "rb").read()
    signature = dkim.sign(message, selector.encode(), domain.encode(), open(key_path, "rb").read(),
                          canonicalize=(b"relaxed", b"relaxed"))
    open(out_path, "wb").write(signature + message)
    print("signed")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "spf":
        spf_main(*sys.argv[2:6])
    elif command == "dkim-verify":
        dkim_verify_main(*sys.argv[2:4])
    elif command == "dkim-sign":
        dkim_sign_main(*sys.argv[2:7])
