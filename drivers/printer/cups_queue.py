"""A4 documents (the récapitulatif, attestations) through a CUPS queue, with the job followed
to its end.

CUPS's own command-line client is used (``lp``, ``lpstat``, package cups-client): it is what
IT staff use to check the same queue, it needs no Python binding, and ``lp`` copies the PDF
into the spool before it returns, so the kiosk's temporary file is removed at once. Every
method blocks: call them from the printer's worker thread.

Nothing is kept between calls: each one asks CUPS afresh, so a scheduler started after the
kiosk, or a queue added or re-enabled later, is used by the next document. With no scheduler
to ask, the client tools answer that the queue does not exist: ``DeviceNotFound``.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
from enum import Enum

from drivers.errors import DeviceError, DeviceNotFound, DeviceTimeout

DEVICE = "a4-printer"
_JOB_ID = re.compile(r"request id is (\S+)")


class JobState(Enum):
    WAITING = "waiting"  # queued or printing
    # CUPS is done with it. lpstat lists a job cancelled by someone else among the completed
    # ones too: only IPP's job-state would tell them apart.
    COMPLETED = "completed"
    GONE = "gone"  # withdrawn by the kiosk, or unknown to CUPS (purged)


class CupsQueue:
    def __init__(self, queue: str, *, command_timeout_s: float = 10.0) -> None:
        if not queue:
            raise ValueError("a CUPS queue name is needed")
        self.queue = queue
        self.command_timeout_s = command_timeout_s
        self._withdrawn: set[str] = set()
        # How the last call went, for the médiateur's status (``time.time()``, 0: never).
        self.last_error: DeviceError | None = None
        self.last_used = 0.0

    def _run(self, *args: str, stdin: bytes | None = None) -> str:
        try:
            out = self._command(*args, stdin=stdin)
        except DeviceError as exc:
            self.last_error, self.last_used = exc, time.time()
            raise
        self.last_error, self.last_used = None, time.time()
        return out

    def _command(self, *args: str, stdin: bytes | None = None) -> str:
        try:
            done = subprocess.run(
                args,
                input=stdin,
                capture_output=True,
                timeout=self.command_timeout_s,
                # CUPS translates its messages ("request id is..."): read them untranslated.
                env={**os.environ, "LC_ALL": "C"},
            )
        except FileNotFoundError as exc:  # cups-client is not installed
            raise DeviceNotFound(DEVICE, f"{args[0]} is missing (cups-client)") from exc
        except subprocess.TimeoutExpired as exc:
            raise DeviceTimeout(DEVICE, f"{args[0]} did not answer") from exc
        stdout = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0:
            message = (done.stderr.decode("utf-8", "replace") or stdout).strip()
            if "does not exist" in message or "Unknown destination" in message:
                raise DeviceNotFound(DEVICE, message)
            raise DeviceError(DEVICE, message or f"{args[0]} failed")
        return stdout

    def accepting(self) -> bool:
        """Whether the queue exists and takes jobs (``lpstat -a``)."""
        try:
            return "not accepting" not in self._run("lpstat", "-a", self.queue)
        except DeviceError:
            return False

    def submit(self, pdf: bytes, title: str, duplex: bool = False) -> str:
        """Queue ``pdf``; return CUPS's job id. ``duplex``: both sides of each sheet."""
        sides = "two-sided-long-edge" if duplex else "one-sided"
        # On lp's standard input: no file with the usager's answers is ever left on disk.
        out = self._run("lp", "-d", self.queue, "-t", title, "-o", f"sides={sides}", "-", stdin=pdf)
        found = _JOB_ID.search(out)
        if found is None:
            raise DeviceError(DEVICE, f"no job id in lp's answer: {out.strip()!r}")
        return found.group(1)

    def state(self, job_id: str) -> JobState:
        if job_id in self._withdrawn:
            return JobState.GONE
        if job_id in self._jobs("not-completed"):
            return JobState.WAITING
        if job_id in self._jobs("completed"):
            return JobState.COMPLETED
        return JobState.GONE

    def _jobs(self, which: str) -> set[str]:
        out = self._run("lpstat", "-W", which, "-o", self.queue)
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    def cancel(self, job_id: str) -> None:
        """Withdraw a job that will not print (the usager left, the printer is broken): it
        must not come out later, in front of the next usager."""
        self._run("cancel", "-x", job_id)  # -x: its document is removed from the spool too
        self._withdrawn.add(job_id)

    def purge(self, job_id: str) -> None:
        """Remove finished jobs' documents and history from CUPS's spool (kept a day by
        default). CUPS refuses ``cancel -x`` on a completed job; ``cancel -a -x`` on the queue
        purges them all, so it is only done when nothing else waits in the queue (the kiosk's
        own A4 queue: another job there is never withdrawn)."""
        with contextlib.suppress(DeviceError):  # a purge that fails leaves CUPS's own expiry
            if self.state(job_id) is JobState.COMPLETED and not self._jobs("not-completed"):
                self._run("cancel", "-a", "-x", self.queue)

    def wait(self, job_id: str, timeout_s: float = 120.0, poll_s: float = 1.0) -> JobState:
        """Follow the job until CUPS is done with it; DeviceTimeout if it never is (a printer
        out of paper keeps it waiting: the médiateur is needed)."""
        deadline = time.monotonic() + timeout_s
        while True:
            state = self.state(job_id)
            if state is not JobState.WAITING:
                return state
            if time.monotonic() > deadline:
                raise DeviceTimeout(DEVICE, f"job {job_id} still waiting")
            time.sleep(poll_s)
