#!/usr/bin/env python3
"""Load benchmark of picojouled's socket API (not a test): N concurrent clients query
/v1/results while a job runs; prints p50/p99 latency and failures.

    scripts/bench-socket.py SOCKET [--clients 50] [--requests 100] [--model samples/tinycnn-fp32.onnx] [--profile P]
"""
import argparse, http.client, json, socket, statistics, threading, time

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)

def call(path, method, url, body=None):
    c = UnixConnection(path)
    c.request(method, url, body=body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100, help="per client")
    ap.add_argument("--model", default="samples/tinycnn-fp32.onnx")
    ap.add_argument("--profile", default="demo-host")
    a = ap.parse_args()
    status, data = call(a.socket, "POST", "/v1/models?name=bench.onnx", open(a.model, "rb").read())
    sha = json.loads(data)["sha256"]
    status, data = call(a.socket, "POST", "/v1/jobs", json.dumps({"model": sha, "profile": a.profile}))
    job = json.loads(data)["id"]
    latencies, failures, lock = [], [], threading.Lock()
    def client():
        conn = UnixConnection(a.socket)  # keep-alive: one connection per client
        for _ in range(a.requests):
            t = time.perf_counter()
            try:
                conn.request("GET", "/v1/results?limit=20")
                r = conn.getresponse(); r.read()
                ok = r.status == 200
            except Exception as e:
                ok = False; conn = UnixConnection(a.socket)
            dt = time.perf_counter() - t
            with lock:
                (latencies if ok else failures).append(dt)
    threads = [threading.Thread(target=client) for _ in range(a.clients)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.perf_counter() - start
    state = json.loads(call(a.socket, "GET", f"/v1/jobs/{job}")[1])["state"]
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(json.dumps({"clients": a.clients, "requests": len(latencies) + len(failures), "answered": len(latencies),
                      "failed": len(failures), "p50_ms": round(q(0.50), 2), "p99_ms": round(q(0.99), 2),
                      "max_ms": round(latencies[-1] * 1000, 2), "throughput_rps": round(len(latencies) / wall, 1),
                      "job_state_after": state}))

if __name__ == "__main__":
    main()
