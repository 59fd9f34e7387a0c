"""A wall that never reads: opens one SSE stream with a 4 kB receive buffer and never reads
it, while PUBLISH_CMD runs; prints the server's memory and whether the server cut it off."""
import socket, subprocess, sys, time
port, path, publish, pids_cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def pss():
    total = 0
    for pid in subprocess.run(pids_cmd, shell=True, capture_output=True, text=True).stdout.split():
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode())
time.sleep(0.5)
before = pss(); t0 = time.time()
p = subprocess.Popen(publish, shell=True)
while p.poll() is None:
    time.sleep(2)
    print(f"t={time.time()-t0:4.0f}s server PSS +{(pss()-before)/1024:.1f} MB", flush=True)
time.sleep(2)
# drain what the server still holds for us: a cut connection ends with EOF
s.settimeout(3); got = 0; eof = False
try:
    while True:
        b = s.recv(1 << 20)
        if not b:
            eof = True; break
        got += len(b)
except socket.timeout:
    pass
print(f"after publishing: server PSS +{(pss()-before)/1024:.1f} MB; read {got/1e6:.1f} MB then "
      f"{'EOF (server cut it off)' if eof else 'still open'}")
