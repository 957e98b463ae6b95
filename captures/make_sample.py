#!/usr/bin/env python3
"""make_sample.py: writes captures/sample-pass.pcap, a 10-minute VLEO pass as a ground
station records it (Ethernet/IPv4/UDP to port 1235, classic pcap, microsecond stamps), and
with --fault captures/thruster-fault.pcap: an hour of the same spacecraft whose thruster
delivers 60 % of its command from 06:20:00 at unchanged power (see captures/README.md).

Until vleo-sim exists this is the bundled sample. Deterministic: same bytes every run.
Starts 2026-11-24T06:00:00Z. Every packet but the idle ones carries a CUC time code right
after the primary header: P-field 0x1E (level 1, TAI epoch 1958-01-01, 4 coarse + 2 fine
octets), so decode it with `--time-code cuc`.
  APID 100 GNSS navigation, 1 Hz, 48 data octets (time + ECEF position/velocity + altitude)
  APID 200 propulsion housekeeping, every 5 s, 24 data octets
  APID 300 power housekeeping, every 5 s, 24 data octets
  APID 0x7FF idle packets, every 30 s (counted, not published)
  GNSS and power share one datagram every 5 s (several packets per datagram);
  GNSS sequence counts 240-244 are lost on the link (a gap of 5 is flagged on 245).
"""
import math
import struct
import sys

START_UNIX = 1795500000  # 2026-11-24T06:00:00Z
TAI_MINUS_UTC = 37
UNIX_MINUS_1958 = 378691200


def spp(apid, seq, data, sec_hdr=True):
    w0 = (0 << 13) | (0 << 12) | ((1 if sec_hdr else 0) << 11) | apid
    w1 = (3 << 14) | (seq & 0x3FFF)
    return struct.pack(">HHH", w0, w1, len(data) - 1) + data


def cuc(unix_s):
    tai = unix_s + UNIX_MINUS_1958 + TAI_MINUS_UTC
    coarse = int(tai)
    fine = int((tai - coarse) * 65536) & 0xFFFF
    return bytes([0x1E]) + struct.pack(">IH", coarse, fine)  # level 1, 4+2 octets


def ip_checksum(hdr):
    s = sum(struct.unpack(">10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp_frame(payload, ip_id):
    udp = struct.pack(">HHHH", 50000, 1235, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ip_id & 0xFFFF, 0x4000,
                               64, 17, 0, bytes([10, 7, 0, 2]), bytes([10, 7, 0, 10])))
    ip[10:12] = struct.pack(">H", ip_checksum(bytes(ip)))
    eth = bytes([0x02, 0, 0, 0, 0, 0x10, 0x02, 0, 0, 0, 0, 0x02]) + b"\x08\x00"
    return eth + bytes(ip) + udp


def main(path, duration=600, fault_s=None):
    recs = []
    seq = {100: 0, 200: 0, 300: 0, 0x7FF: 0}
    r_earth = 6378.137
    for t in range(duration):
        now = START_UNIX + t
        phase = 2 * math.pi * t / 5370.0
        if fault_s is None:
            alt = 250.0 + 12.0 * math.sin(phase) - 0.0004 * t
        else:
            alt = 250.0 + 12.0 * math.sin(phase) + 6.0 * math.cos(2 * phase)
        r = (r_earth + alt) * 1000.0
        pos = (r * math.cos(phase), r * math.sin(phase) * 0.5, r * math.sin(phase) * 0.86)
        vel = (-7750 * math.sin(phase), 3875 * math.cos(phase), 6665 * math.cos(phase))
        nav = cuc(now) + struct.pack(">3d3f", *pos, *vel) + struct.pack(">f", alt)
        nav += bytes(48 - 1 - len(nav)) + b"\x00"
        out = []
        s = seq[100]
        seq[100] += 1
        if fault_s is not None or not 240 <= s <= 244:
            out.append(spp(100, s, nav))
        if t % 5 == 0:
            pwr = cuc(now) + struct.pack(">fff", 180.0 + 60 * math.cos(phase), 210.0, 72.5)
            pwr += bytes(24 - len(pwr))
            out.append(spp(300, seq[300], pwr))
            seq[300] += 1
        payloads = [b"".join(out)] if out else []
        if t % 5 == 2:
            thrust = 11.8 if fault_s is None or t < fault_s else 11.8 * 0.6
            prop = cuc(now) + struct.pack(">fff", thrust, 12.0, 215.0)
            prop += bytes(24 - len(prop))
            payloads.append(spp(200, seq[200], prop))
            seq[200] += 1
        if t % 30 == 15:
            payloads.append(spp(0x7FF, seq[0x7FF], bytes(16), sec_hdr=False))
            seq[0x7FF] += 1
        for i, p in enumerate(payloads):
            recs.append((now, 20000 * i + 1234, udp_frame(p, len(recs))))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, frame in recs:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
    print(f"{path}: {len(recs)} records")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--fault":
        main(sys.argv[2] if len(sys.argv) > 2 else "thruster-fault.pcap", 3600, 1200)
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "sample-pass.pcap")
