#!/usr/bin/env python3
"""A TCP proxy on loopback that can hold every chunk for a while, both ways, in order: the network
delay of bench/chaos.sh redis-delay. SIGUSR1 turns the delay on, SIGUSR2 off (off at start).
usage: delayproxy.py LISTEN_PORT TARGET_PORT DELAY_MS"""
import asyncio, signal, sys

listen_port, target_port, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000
delaying = False


def set_delay(on):
    global delaying
    delaying = on


async def pump(reader, writer):
    """Copies reader to writer; each chunk sent when its delay is over, after the ones before it."""
    queue = asyncio.Queue()

    async def send():
        while (item := await queue.get()) is not None:
            due, data = item
            wait = due - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((asyncio.get_running_loop().time() + (delay if delaying else 0), data))
    except ConnectionError:
        pass
    queue.put_nowait(None)
    try:
        await sender
    except ConnectionError:
        pass


async def serve(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))


async def main():
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, set_delay, True)
    loop.add_signal_handler(signal.SIGUSR2, set_delay, False)
    server = await asyncio.start_server(serve, "127.0.0.1", listen_port)
    async with server:
        await server.serve_forever()

asyncio.run(main())
