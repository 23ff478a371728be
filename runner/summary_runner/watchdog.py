"""Ends the serving runner when the process that started it is gone.

A client killed with SIGKILL cannot stop its runner; without this the orphan would go on running a job
while the restarted client starts a second runner on the same tables. The JVM follows: pyspark's gateway
exits when its Python parent does.
"""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger("summary_runner.watchdog")


def watch_parent(interval_s: float = 1.0) -> threading.Thread:
    parent = os.getppid()

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                log.error("parent process %d is gone: exiting", parent)
                os._exit(3)

    thread = threading.Thread(target=loop, name="parent-watchdog", daemon=True)
    thread.start()
    return thread
