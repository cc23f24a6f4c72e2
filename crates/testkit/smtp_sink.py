"""A real SMTP server on loopback for Lockstep's tests and benchmark (aiosmtpd).

Usage: python3 smtp_sink.py DIR [PORT [EXPECT]]
Listens on 127.0.0.1:PORT (default 0: any free port), prints "ready PORT" on stdout,
and writes each accepted message to DIR as NNNNNNN-PID.eml, its first line
"X-Envelope-To: <recipients>" followed by the message as received. With EXPECT, it
writes DIR.done (the unix time in nanoseconds) when the EXPECT-th message is in, so
that a benchmark need not poll the directory.
"""
import asyncio
import itertools
import os
import sys
import time

from aiosmtpd.smtp import SMTP

out = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
expect = int(sys.argv[3]) if len(sys.argv) > 3 else 0
counter = itertools.count(1)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        name = os.path.join(out, f"{n:07d}-{os.getpid()}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        if n == expect:
            with open(out.rstrip("/") + ".done", "w") as f:
                f.write(str(time.time_ns()))
        return "250 Message accepted"


async def main():
    handler = Handler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", port)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
