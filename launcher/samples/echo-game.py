#!/usr/bin/env python3
"""A stand-in game server for the quick start: answers UDP datagrams on its game port and serves a one-line
status on its TCP query port, then shuts down cleanly on SIGTERM after telling its "players"."""
import os
import selectors
import signal
import socket
import sys

game_port = int(os.environ["PORT_GAME"])
query_port = int(os.environ.get("PORT_QUERY", "0"))
bind = os.environ.get("GAME_BIND", "0.0.0.0")  # tests keep it on 127.0.0.1
stopping = False


def on_term(signum, _frame):
    global stopping
    print(f"echo-game: {signal.Signals(signum).name}: warning players, shutting down", flush=True)
    stopping = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

selector = selectors.DefaultSelector()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((bind, game_port))
selector.register(udp, selectors.EVENT_READ, "udp")
if query_port:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind((bind, query_port))
    tcp.listen()
    selector.register(tcp, selectors.EVENT_READ, "tcp")

print(f"echo-game: serving udp/{game_port}" + (f" and tcp/{query_port}" if query_port else "")
      + f" as {os.environ.get('SPOTABLE_SERVER_ID')} on {os.environ.get('SPOTABLE_PUBLIC_HOST')}", flush=True)
while not stopping:
    for key, _ in selector.select(timeout=0.2):
        if key.data == "udp":
            data, peer = udp.recvfrom(2048)
            udp.sendto(b"echo " + data, peer)
        else:
            connection, _ = tcp.accept()
            connection.sendall(f"players=0 port={game_port}\n".encode())
            connection.close()
print("echo-game: bye", flush=True)
sys.exit(0)
