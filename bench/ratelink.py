#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A link of RATE bytes a second on 127.0.0.1, for the benchmarks.

Every connection to LISTEN_PORT is forwarded to TARGET_PORT; what all of
them send that way shares one clock, as on one link (a connection's bytes
leave once the link is free for them); the way back is not limited.
Prints "ready" once it listens, then runs until killed.

usage: ratelink.py LISTEN_PORT TARGET_PORT RATE
"""
import asyncio
import sys
import time

CHUNK = 65536


class Link:
    """The time the link is free again, shared by every connection."""

    def __init__(self, rate):
        self.rate = rate
        self.free = time.monotonic()

    async def send(self, n):
        now = time.monotonic()
        self.free = max(self.free, now) + n / self.rate
        if self.free > now:
            await asyncio.sleep(self.free - now)


async def pipe(reader, writer, link):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if link:
                await link.send(len(data))
            writer.write(data)
            await writer.drain()
        writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


async def serve(link, target):
    async def one(reader, writer):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_w, link), pipe(up_r, writer, None))
        up_w.close()
        writer.close()
    return one


async def main():
    port, target, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    server = await asyncio.start_server(await serve(Link(rate), target),
                                        "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main())
